import { describe, expect, it } from 'vitest';
import { evaluateGates, verdictOf } from '../../src/gates/evaluate.js';
import { parseGate } from '../../src/gates/parse.js';
import type { MetricValue } from '../../src/metrics/aggregate.js';

const metrics: Record<string, MetricValue> = {
  accuracy: { value: 0.9, samples: 10 },
  error_rate: { value: 0, samples: 10 },
  cost: { value: null, samples: 0 },
};

function passes(text: string): boolean {
  const [result] = evaluateGates([parseGate(text, 0)], metrics);
  if (result === undefined) throw new Error('no gate result');
  return result.passed;
}

describe('evaluateGates', () => {
  it('applies each operator', () => {
    expect(passes('accuracy >= 0.9')).toBe(true);
    expect(passes('accuracy >= 0.91')).toBe(false);
    expect(passes('accuracy > 0.9')).toBe(false);
    expect(passes('accuracy > 0.89')).toBe(true);
    expect(passes('accuracy <= 0.9')).toBe(true);
    expect(passes('accuracy <= 0.89')).toBe(false);
    expect(passes('accuracy < 0.9')).toBe(false);
    expect(passes('accuracy < 0.95')).toBe(true);
    expect(passes('accuracy == 0.9')).toBe(true);
    expect(passes('accuracy == 1')).toBe(false);
    expect(passes('accuracy != 1')).toBe(true);
    expect(passes('accuracy != 0.9')).toBe(false);
  });

  it('explains a missed threshold', () => {
    const [result] = evaluateGates([parseGate('accuracy >= 0.95', 0)], metrics);
    expect(result).toEqual({
      metric: 'accuracy',
      op: '>=',
      threshold: 0.95,
      actual: 0.9,
      passed: false,
      source: 'accuracy >= 0.95',
      reason: 'accuracy is 0.9, but the gate requires >= 0.95',
    });
  });

  it('leaves a passed gate without reason', () => {
    const [result] = evaluateGates([parseGate('error_rate <= 0', 0)], metrics);
    expect(result).toEqual({ metric: 'error_rate', op: '<=', threshold: 0, actual: 0, passed: true, source: 'error_rate <= 0' });
  });

  it('fails a metric without samples', () => {
    const [result] = evaluateGates([parseGate('cost <= 5', 0)], metrics);
    expect(result?.passed).toBe(false);
    expect(result?.actual).toBeNull();
    expect(result?.reason).toBe('metric "cost" has no samples');
  });

  it('fails a metric never computed', () => {
    const [result] = evaluateGates([parseGate('toString >= 0', 0)], metrics);
    expect(result?.passed).toBe(false);
    expect(result?.reason).toBe('metric "toString" was not computed');
  });
});

describe('verdictOf', () => {
  it('passes when all gates pass', () => {
    const results = evaluateGates([parseGate('accuracy >= 0.5', 0), parseGate('error_rate <= 0', 1)], metrics);
    expect(verdictOf(results)).toBe('pass');
  });

  it('fails when one gate fails', () => {
    const results = evaluateGates([parseGate('accuracy >= 0.5', 0), parseGate('cost <= 1', 1)], metrics);
    expect(verdictOf(results)).toBe('fail');
  });
});
