import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/load.js';
import { ProofgateError } from '../../src/errors.js';
import { evaluateGates, verdictOf } from '../../src/gates/evaluate.js';
import { parseGate, resolveGates } from '../../src/gates/parse.js';
import type { MetricValue } from '../../src/metrics/aggregate.js';

function errorOf(action: () => unknown): ProofgateError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProofgateError) return error;
    throw error;
  }
  throw new Error('expected a ProofgateError');
}

const current: Record<string, MetricValue> = {
  accuracy: { value: 0.7, samples: 10 },
  latency_p95_ms: { value: 850, samples: 10 },
  cost: { value: null, samples: 0 },
};

function evaluateOne(gate: Parameters<typeof parseGate>[0], baseline?: Record<string, { value: number | null }>) {
  const [result] = evaluateGates([parseGate(gate, 0)], current, baseline === undefined ? undefined : { metrics: baseline });
  if (result === undefined) throw new Error('no gate result');
  return result;
}

describe('relative gate strings', () => {
  it('parses a negative offset', () => {
    expect(parseGate('accuracy >= baseline - 0.02', 3)).toEqual({
      metric: 'accuracy',
      op: '>=',
      threshold: -0.02,
      relative: { offset: -0.02 },
      source: 'accuracy >= baseline - 0.02',
      index: 3,
    });
  });

  it('parses positive and missing offsets', () => {
    expect(parseGate('latency_p95_ms<=baseline+50', 0).relative).toEqual({ offset: 50 });
    expect(parseGate('accuracy >= baseline', 0).relative).toEqual({ offset: 0 });
    expect(Object.is(parseGate('accuracy >= baseline - 0', 0).relative?.offset, 0)).toBe(true);
  });

  it('keeps a metric named baseline absolute', () => {
    expect(parseGate('baseline >= 0.5', 0)).toEqual({ metric: 'baseline', op: '>=', threshold: 0.5, source: 'baseline >= 0.5', index: 0 });
    expect(parseGate('baseline >= baseline - 1', 0).relative).toEqual({ offset: -1 });
  });

  it('rejects malformed relative forms', () => {
    for (const text of ['accuracy >= baseline * 0.9', 'accuracy >= baseline - -0.1', 'accuracy >= 0.9 - baseline', 'accuracy >= baseline -', 'accuracy baseline']) {
      const error = errorOf(() => parseGate(text, 0));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toBe(
        `gate "${text}" is invalid: write "<metric> <op> baseline [+|-] <number>" such as "accuracy >= baseline - 0.02", with op one of >=, >, <=, <, ==, !=`,
      );
    }
  });
});

describe('max_regression objects', () => {
  it('defaults to higher is better', () => {
    expect(parseGate({ metric: 'accuracy', max_regression: 0.02 }, 1)).toEqual({
      metric: 'accuracy',
      op: '>=',
      threshold: -0.02,
      relative: { offset: -0.02 },
      source: 'accuracy >= baseline - 0.02',
      index: 1,
    });
  });

  it('reads lower is better', () => {
    const gate = parseGate({ metric: 'latency_p95_ms', max_regression: 100, direction: 'lower_is_better' }, 0);
    expect(gate.op).toBe('<=');
    expect(gate.relative).toEqual({ offset: 100 });
    expect(gate.source).toBe('latency_p95_ms <= baseline + 100');
  });

  it('rejects bad fields', () => {
    const negative = errorOf(() => parseGate({ metric: 'accuracy', max_regression: -0.1 }, 0));
    expect(negative.message).toMatch(/"max_regression" must be a finite number of at least 0/);

    const direction = errorOf(() => parseGate({ metric: 'accuracy', max_regression: 0.1, direction: 'up' as 'higher_is_better' }, 0));
    expect(direction.message).toMatch(/"direction" must be one of higher_is_better, lower_is_better/);

    const mixed = errorOf(() => parseGate({ metric: 'accuracy', max_regression: 0.1, op: '>=' } as never, 0));
    expect(mixed.message).toMatch(/not both/);

    const unnamed = errorOf(() => parseGate({ metric: ' ', max_regression: 0.1 }, 0));
    expect(unnamed.message).toMatch(/"metric" must name a metric/);
  });

  it('checks the metric exists', () => {
    const error = errorOf(() => resolveGates([{ metric: 'recall', max_regression: 0.1 }], ['accuracy', 'error_rate']));
    expect(error.message).toBe('gate "recall >= baseline - 0.1" names the unknown metric "recall"; defined metrics: accuracy, error_rate');
  });
});

describe('relative gate evaluation', () => {
  it('fails without a baseline', () => {
    const result = evaluateOne('accuracy >= baseline - 0.02');
    expect(result).toEqual({
      metric: 'accuracy',
      op: '>=',
      threshold: null,
      actual: 0.7,
      passed: false,
      source: 'accuracy >= baseline - 0.02',
      baseline: null,
      offset: -0.02,
      reason: 'no baseline',
    });
  });

  it('fails when baseline lacks the metric', () => {
    expect(evaluateOne('accuracy >= baseline', {}).reason).toBe('baseline has no value for "accuracy"');
    expect(evaluateOne('accuracy >= baseline', { accuracy: { value: null } }).reason).toBe('baseline has no value for "accuracy"');
    expect(evaluateOne('accuracy >= baseline', { accuracy: { value: null } }).passed).toBe(false);
  });

  it('passes within the allowed regression', () => {
    const result = evaluateOne({ metric: 'accuracy', max_regression: 0.1 }, { accuracy: { value: 0.8 } });
    expect(result.passed).toBe(true);
    expect(result.threshold).toBe(0.7);
    expect(result.baseline).toBe(0.8);
    expect(result.reason).toBeUndefined();
  });

  it('fails beyond the allowed regression', () => {
    const result = evaluateOne('accuracy >= baseline - 0.05', { accuracy: { value: 0.8 } });
    expect(result.passed).toBe(false);
    expect(result.threshold).toBe(0.75);
    expect(result.reason).toBe('accuracy is 0.7, but the gate requires >= 0.75 (baseline 0.8 - 0.05)');
  });

  it('handles lower is better', () => {
    const gate = { metric: 'latency_p95_ms', max_regression: 100, direction: 'lower_is_better' as const };
    expect(evaluateOne(gate, { latency_p95_ms: { value: 800 } }).passed).toBe(true);
    expect(evaluateOne(gate, { latency_p95_ms: { value: 700 } }).passed).toBe(false);
    expect(evaluateOne(gate, { latency_p95_ms: { value: 700 } }).threshold).toBe(800);
  });

  it('fails a current metric without samples', () => {
    const result = evaluateOne('cost <= baseline', { cost: { value: 3 } });
    expect(result.passed).toBe(false);
    expect(result.reason).toBe('metric "cost" has no samples');
    expect(result.baseline).toBe(3);
  });

  it('mixes with absolute gates', () => {
    const gates = [parseGate('accuracy >= 0.5', 0), parseGate('accuracy >= baseline', 1)];
    expect(verdictOf(evaluateGates(gates, current, { metrics: { accuracy: { value: 0.7 } } }))).toBe('pass');
    expect(verdictOf(evaluateGates(gates, current))).toBe('fail');
    expect(evaluateGates(gates, current)[0]).not.toHaveProperty('baseline');
  });
});

describe('relative gates in pipeline.yaml', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function load(gates: string): Promise<unknown> {
    dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-gates-'));
    writeFileSync(path.join(dir, 'cases.jsonl'), '{"id":"1","answer":"a"}\n');
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `name: rel\ntarget: { replay: { output: "{{answer}}" } }\ndataset: { path: cases.jsonl, id: id }\nscorers:\n  - { name: exact, type: exact_match, expected: "{{answer}}" }\nmetrics:\n  accuracy: mean(exact)\ngates:\n${gates}`,
    );
    return loadPipeline('pipeline.yaml', dir);
  }

  it('accepts both relative forms', async () => {
    const loaded = (await load('  - accuracy >= baseline - 0.02\n  - { metric: accuracy, max_regression: 0.02, direction: higher_is_better }\n')) as { gates: unknown[] };
    expect(loaded.gates).toHaveLength(3);
  });

  it('rejects a negative max_regression', async () => {
    const error = await load('  - { metric: accuracy, max_regression: -1 }\n').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).code).toBe('CONFIG_INVALID');
    expect((error as ProofgateError).details.join('\n')).toMatch(/pipeline.yaml:\d+:\d+: gates\[0\]/);
  });
});

describe('fixed gate objects', () => {
  it('rejects a direction', () => {
    const error = errorOf(() => parseGate({ metric: 'accuracy', op: '>=', value: 0.9, direction: 'lower_is_better' } as never, 0));
    expect(error.message).toMatch(/"direction" applies only to relative gates/);
  });
});
