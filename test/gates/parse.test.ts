import { describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { GATE_OPS, parseGate, resolveGates } from '../../src/gates/parse.js';

function errorOf(action: () => unknown): ProofgateError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProofgateError) return error;
    throw error;
  }
  throw new Error('expected a ProofgateError');
}

describe('parseGate', () => {
  it('parses every operator', () => {
    for (const op of GATE_OPS) {
      expect(parseGate(`accuracy ${op} 0.9`, 2)).toEqual({ metric: 'accuracy', op, threshold: 0.9, source: `accuracy ${op} 0.9`, index: 2 });
    }
  });

  it('allows missing whitespace', () => {
    expect(parseGate('latency.p95_ms<=800', 0)).toMatchObject({ metric: 'latency.p95_ms', op: '<=', threshold: 800 });
    expect(parseGate('  error_rate<0.05  ', 0)).toMatchObject({ op: '<', threshold: 0.05, source: 'error_rate<0.05' });
  });

  it('reads number forms', () => {
    const thresholds = ['0.9', '-1', '1e-3', '.5', '+2', '3.', '2E2'].map((text) => parseGate(`m >= ${text}`, 0).threshold);
    expect(thresholds).toEqual([0.9, -1, 0.001, 0.5, 2, 3, 200]);
  });

  it('parses the object form', () => {
    expect(parseGate({ metric: 'accuracy', op: '>', value: 0.5 }, 1)).toEqual({
      metric: 'accuracy',
      op: '>',
      threshold: 0.5,
      source: 'accuracy > 0.5',
      index: 1,
    });
  });

  it('rejects bad string forms', () => {
    for (const text of ['accuracy 0.9', 'accuracy >=', '>= 0.9', 'accuracy => 0.9', 'accuracy >= 90%', 'accuracy >= high', 'accuracy >= 0.9 0.1', '']) {
      const error = errorOf(() => parseGate(text, 0));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('write "<metric> <op> <number>" such as "accuracy >= 0.9"');
    }
  });

  it('hints at == for a single =', () => {
    const error = errorOf(() => parseGate('accuracy = 1', 0));
    expect(error.message).toBe(
      'gate "accuracy = 1" is invalid: write "<metric> <op> <number>" such as "accuracy >= 0.9", with op one of >=, >, <=, <, ==, !=; use == to compare for equality',
    );
  });

  it('rejects an infinite threshold', () => {
    const error = errorOf(() => parseGate('m >= 1e999', 0));
    expect(error.message).toBe('gate "m >= 1e999" is invalid: the threshold 1e999 is not a finite number');
  });

  it('rejects bad object forms', () => {
    expect(errorOf(() => parseGate({ metric: '', op: '>=', value: 1 }, 0)).message).toMatch(/"metric" must name a metric/);
    expect(errorOf(() => parseGate({ metric: 'm', op: '=>', value: 1 }, 0)).message).toMatch(/"op" must be one of >=, >, <=, <, ==, !=/);
    expect(errorOf(() => parseGate({ metric: 'm', op: '>=', value: '1' as unknown as number }, 0)).message).toMatch(/"value" must be a finite number/);
  });

  it('rejects other value types', () => {
    expect(errorOf(() => parseGate(42 as unknown as string, 0)).message).toMatch(/^gate 42 is invalid: .*or use \{ metric, op, value \}$/);
  });
});

describe('resolveGates', () => {
  const metrics = ['accuracy', 'latency_p95', 'error_rate'];

  it('appends the default error gate', () => {
    const gates = resolveGates(['accuracy >= 0.9'], metrics);
    expect(gates).toHaveLength(2);
    expect(gates[1]).toEqual({ metric: 'error_rate', op: '<=', threshold: 0, source: 'error_rate <= 0', index: 1 });
  });

  it('adds the error gate to an empty list', () => {
    expect(resolveGates([], metrics).map((gate) => gate.source)).toEqual(['error_rate <= 0']);
  });

  it('keeps a declared error gate', () => {
    const gates = resolveGates(['accuracy >= 0.9', { metric: 'error_rate', op: '<', value: 0.05 }], metrics);
    expect(gates.map((gate) => gate.source)).toEqual(['accuracy >= 0.9', 'error_rate < 0.05']);
  });

  it('rejects an unknown metric', () => {
    const error = errorOf(() => resolveGates(['accuracy >= 0.9', 'acurracy >= 0.9'], metrics));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('gate "acurracy >= 0.9" names the unknown metric "acurracy"; defined metrics: accuracy, latency_p95, error_rate');
  });

  it('numbers gates by position', () => {
    expect(resolveGates(['accuracy >= 0.9', 'latency_p95 < 800'], metrics).map((gate) => gate.index)).toEqual([0, 1, 2]);
  });
});
