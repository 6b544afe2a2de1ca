import { describe, expect, it } from 'vitest';
import { MetricAggregator, percentile, type CaseMeasures } from '../../src/metrics/aggregate.js';
import { resolveMetrics, type MetricSpec } from '../../src/metrics/parse.js';

function measures(overrides: Partial<CaseMeasures> = {}): CaseMeasures {
  return { error: false, latency_ms: 100, scores: {}, ...overrides };
}

function aggregate(specs: MetricSpec[], cases: CaseMeasures[]) {
  const aggregator = new MetricAggregator(specs);
  for (const item of cases) aggregator.add(item);
  return aggregator.results();
}

describe('percentile', () => {
  it('interpolates between closest ranks', () => {
    const sorted = [1, 2, 3, 4];
    // h = (n - 1) * q: p50 -> 1.5 -> 2 + 0.5 * (3 - 2); p90 -> 2.7 -> 3 + 0.7 * (4 - 3)
    expect(percentile(sorted, 0.5)).toBe(2.5);
    expect(percentile(sorted, 0.9)).toBeCloseTo(3.7, 12);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 1)).toBe(4);
  });

  it('handles a single value', () => {
    expect(percentile([7], 0.99)).toBe(7);
  });

  it('matches hand-computed p95 and p99', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 1000];
    // n = 11: p95 -> h = 9.5 -> 100 + 0.5 * 900 = 550; p99 -> h = 9.9 -> 100 + 0.9 * 900 = 910
    expect(percentile(sorted, 0.95)).toBeCloseTo(550, 9);
    expect(percentile(sorted, 0.99)).toBeCloseTo(910, 9);
  });
});

describe('MetricAggregator', () => {
  it('computes every function over a scorer', () => {
    const specs: MetricSpec[] = ['mean', 'sum', 'min', 'max', 'count', 'pass_rate', 'p50', 'p90'].map((fn) => ({
      name: fn,
      fn: fn as MetricSpec['fn'],
      arg: 'f1',
    }));
    const scores = [0.5, 1, 0, 0.25];
    const results = aggregate(
      specs,
      scores.map((score) => measures({ scores: { f1: { score, pass: score >= 0.5 } } })),
    );

    expect(results.mean).toEqual({ value: 0.4375, samples: 4 });
    expect(results.sum).toEqual({ value: 1.75, samples: 4 });
    expect(results.min).toEqual({ value: 0, samples: 4 });
    expect(results.max).toEqual({ value: 1, samples: 4 });
    expect(results.count).toEqual({ value: 4, samples: 4 });
    expect(results.pass_rate).toEqual({ value: 0.5, samples: 4 });
    // sorted 0, 0.25, 0.5, 1: p50 -> h = 1.5 -> 0.375; p90 -> h = 2.7 -> 0.5 + 0.7 * 0.5 = 0.85
    expect(results.p50?.value).toBe(0.375);
    expect(results.p90?.value).toBeCloseTo(0.85, 12);
  });

  it('computes latency percentiles', () => {
    const results = aggregate(
      [
        { name: 'p50', fn: 'p50', arg: 'latency_ms' },
        { name: 'p90', fn: 'p90', arg: 'latency_ms' },
      ],
      [4, 1, 3, 2].map((latency) => measures({ latency_ms: latency })),
    );
    expect(results.p50).toEqual({ value: 2.5, samples: 4 });
    expect(results.p90?.value).toBeCloseTo(3.7, 12);
  });

  it('gives null without samples', () => {
    const specs: MetricSpec[] = [
      { name: 'cost', fn: 'sum', arg: 'cost_usd' },
      { name: 'tokens', fn: 'p95', arg: 'input_tokens' },
      { name: 'rows', fn: 'count', arg: 'output_tokens' },
      { name: 'accuracy', fn: 'mean', arg: 'exact' },
    ];
    const results = aggregate(specs, [measures(), measures()]);
    for (const name of ['cost', 'tokens', 'rows', 'accuracy']) expect(results[name]).toEqual({ value: null, samples: 0 });
  });

  it('gives null for an empty run', () => {
    const results = aggregate(resolveMetrics({}, []), []);
    expect(results.error_rate).toEqual({ value: null, samples: 0 });
  });

  it('skips cases without a measure', () => {
    const results = aggregate(
      [{ name: 'cost', fn: 'sum', arg: 'cost_usd' }],
      [measures({ cost_usd: 0.25 }), measures(), measures({ cost_usd: 0.5 })],
    );
    expect(results.cost).toEqual({ value: 0.75, samples: 2 });
  });

  it('counts errors in error_rate', () => {
    const results = aggregate(resolveMetrics({}, []), [measures(), measures({ error: true }), measures(), measures()]);
    expect(results.error_rate).toEqual({ value: 0.25, samples: 4 });
  });

  it('keeps errored cases in scorer denominators', () => {
    const specs = resolveMetrics({ accuracy: 'mean(exact)', passed: 'pass_rate(exact)', spread: 'p50(exact)' }, ['exact']);
    const results = aggregate(specs, [
      measures({ scores: { exact: { score: 1, pass: true } } }),
      measures({ scores: { exact: { score: 1, pass: true } } }),
      measures({ error: true, scores: {} }),
      measures({ error: true, scores: { exact: { score: 0, pass: false } } }),
    ]);
    expect(results.accuracy).toEqual({ value: 0.5, samples: 4 });
    expect(results.passed).toEqual({ value: 0.5, samples: 4 });
    expect(results.spread).toEqual({ value: 0.5, samples: 4 });
    expect(results.error_rate).toEqual({ value: 0.5, samples: 4 });
  });

  it('separates score from pass', () => {
    const specs = resolveMetrics({ mean_f1: 'mean(f1)', f1_pass: 'pass_rate(f1)' }, ['f1']);
    const results = aggregate(specs, [
      measures({ scores: { f1: { score: 0.6, pass: true } } }),
      measures({ scores: { f1: { score: 0.4, pass: false } } }),
    ]);
    expect(results.mean_f1?.value).toBeCloseTo(0.5, 12);
    expect(results.f1_pass?.value).toBe(0.5);
  });

  it('ignores non-finite values', () => {
    const results = aggregate([{ name: 'cost', fn: 'max', arg: 'cost_usd' }], [measures({ cost_usd: Number.NaN }), measures({ cost_usd: 2 })]);
    expect(results.cost).toEqual({ value: 2, samples: 1 });
  });

  it('sums many small values exactly', () => {
    const aggregator = new MetricAggregator([{ name: 'cost', fn: 'sum', arg: 'cost_usd' }]);
    for (let i = 0; i < 100_000; i += 1) aggregator.add(measures({ cost_usd: 0.1 }));
    // A naive running sum of 0.1 drifts to 10000.000000018848 here.
    expect(aggregator.results().cost?.value).toBe(10_000);
  });

  it('grows the sample buffer', () => {
    const aggregator = new MetricAggregator([{ name: 'p99', fn: 'p99', arg: 'latency_ms' }]);
    for (let i = 1000; i >= 1; i -= 1) aggregator.add(measures({ latency_ms: i }));
    // sorted 1..1000: h = 999 * 0.99 = 989.01 -> 990 + 0.01 * 1
    expect(aggregator.results().p99?.value).toBeCloseTo(990.01, 9);
    expect(aggregator.results().p99?.samples).toBe(1000);
  });

  it('keeps results stable across calls', () => {
    const aggregator = new MetricAggregator([{ name: 'p50', fn: 'p50', arg: 'latency_ms' }]);
    [5, 1, 3].forEach((latency) => aggregator.add(measures({ latency_ms: latency })));
    expect(aggregator.results().p50?.value).toBe(3);
    aggregator.add(measures({ latency_ms: 0 }));
    expect(aggregator.results().p50?.value).toBe(2);
  });
});
