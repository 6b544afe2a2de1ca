import { describe, expect, it } from 'vitest';
import { metricDeltas } from '../../src/compare/metrics.js';
import { decimalSum } from '../../src/compare/precision.js';

describe('decimalSum', () => {
  it('removes binary rounding noise', () => {
    expect(0.8 - 0.1).not.toBe(0.7);
    expect(decimalSum(0.8, -0.1)).toBe(0.7);
    expect(decimalSum(0.3, -0.1)).toBe(0.2);
    expect(decimalSum(1000.1, -1000)).toBe(0.1);
  });

  it('keeps exact sums', () => {
    expect(decimalSum(0.9, -0.02)).toBe(0.88);
    expect(decimalSum(850, 100)).toBe(950);
    expect(decimalSum(1e-9, 2e-9)).toBe(3e-9);
    expect(decimalSum(0, 0)).toBe(0);
  });

  it('never returns negative zero', () => {
    expect(Object.is(decimalSum(0.1, -0.1), 0)).toBe(true);
    expect(Object.is(decimalSum(-0, 0), 0)).toBe(true);
  });

  it('passes through infinities', () => {
    expect(decimalSum(Infinity, 1)).toBe(Infinity);
  });
});

describe('metricDeltas', () => {
  it('pairs metrics and computes deltas', () => {
    const deltas = metricDeltas(
      { accuracy: { value: 0.85 }, latency: { value: 900 }, fresh: { value: 1 } },
      { accuracy: { value: 0.9 }, latency: { value: 800 }, dropped: { value: 0.5 } },
    );

    expect(deltas).toEqual({
      accuracy: { value: 0.85, baseline: 0.9, delta: -0.05 },
      latency: { value: 900, baseline: 800, delta: 100 },
      fresh: { value: 1, baseline: null, delta: null },
      dropped: { value: null, baseline: 0.5, delta: null },
    });
  });

  it('handles null values', () => {
    const deltas = metricDeltas({ cost: { value: null } }, { cost: { value: 2 } });
    expect(deltas.cost).toEqual({ value: null, baseline: 2, delta: null });
  });

  it('ignores inherited names', () => {
    const deltas = metricDeltas({ toString: { value: 1 } }, {});
    expect(deltas.toString).toEqual({ value: 1, baseline: null, delta: null });
  });
});
