import type { GateResult } from '../../src/gates/evaluate.js';
import type { RunSummary } from '../../src/report/summary.js';

/** A failing run of a small pipeline: one rate gate failed, one latency gate passed. */
export function failingSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  const gates: GateResult[] = [
    { metric: 'accuracy', op: '>=', threshold: 0.9, actual: 0.5, passed: false, source: 'accuracy >= 0.9', reason: 'accuracy is 0.5, but the gate requires >= 0.9' },
    { metric: 'latency_p95_ms', op: '<=', threshold: 800, actual: 420.5, passed: true, source: 'latency_p95_ms <= 800' },
    { metric: 'error_rate', op: '<=', threshold: 0, actual: 0, passed: true, source: 'error_rate <= 0' },
  ];

  return {
    verdict: 'fail',
    exitCode: 1,
    pipeline: 'demo',
    version: 'ab'.repeat(32),
    bundle: 'proofs/demo/20250102T030405Z-abababababab.json',
    signed: false,
    dataset: { path: 'cases.jsonl', sha256: 'cd'.repeat(32), cases: 4, skipped: 0 },
    cases: { total: 4, passed: 2, failed: 2, errors: 0, cached: 0 },
    metrics: {
      accuracy: { expression: 'mean(exact)', value: 0.5, samples: 4 },
      latency_p95_ms: { expression: 'p95(latency_ms)', value: 420.5, samples: 4 },
      cost_usd: { expression: 'sum(cost_usd)', value: null, samples: 0 },
      error_rate: { expression: 'mean(error)', value: 0, samples: 4 },
    },
    gates,
    worst: [
      { id: 'case|1', expected: 'ONE', output: 'one <b>@octocat</b>', reason: 'exact: expected "ONE"', score: 0 },
    ],
    baseline: null,
    durationMs: 1234,
    ...overrides,
  };
}
