import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/report/summary.js';
import { renderRunReport } from '../../src/report/terminal.js';

const plain = new Chalk({ level: 0 });

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    verdict: 'fail',
    exitCode: 1,
    pipeline: 'faq',
    version: 'abcdef0123456789'.padEnd(64, '0'),
    bundle: 'proofs/faq/20261204T000000Z-abcdef012345.json',
    signed: false,
    dataset: { path: 'golden.jsonl', sha256: '0'.repeat(64), cases: 3, skipped: 0 },
    cases: { total: 3, passed: 1, failed: 2, errors: 1, cached: 0 },
    metrics: {
      accuracy: { expression: 'mean(exact)', value: 1 / 3, samples: 3 },
      latency_p95_ms: { expression: 'p95(latency_ms)', value: null, samples: 0 },
      error_rate: { expression: 'mean(error)', value: 1 / 3, samples: 3 },
    },
    gates: [
      { metric: 'accuracy', op: '>=', threshold: 0.9, actual: 1 / 3, passed: false, source: 'accuracy >= 0.9' },
      { metric: 'latency_p95_ms', op: '<=', threshold: 800, actual: null, passed: false, source: 'latency_p95_ms <= 800', reason: 'metric "latency_p95_ms" has no samples' },
      { metric: 'error_rate', op: '<=', threshold: 0, actual: 1 / 3, passed: false, source: 'error_rate <= 0' },
    ],
    worst: [{ id: 'c2', expected: 'Paris', output: 'Lyon', reason: 'exact: expected "Paris" but got "Lyon"', score: 0 }],
    baseline: null,
    durationMs: 12,
    ...overrides,
  };
}

describe('renderRunReport', () => {
  it('shows each metric with its gate mark', () => {
    const text = renderRunReport(summary(), plain);

    expect(text).toMatch(/accuracy\s+0\.3333\s+>= 0\.9\s+✗ fail/);
    expect(text).toMatch(/latency_p95_ms\s+no value\s+<= 800\s+✗ fail\s+metric "latency_p95_ms" has no samples/);
  });

  it('lists the worst failing cases', () => {
    const text = renderRunReport(summary(), plain);

    expect(text).toContain('c2  expected "Paris"  output "Lyon"');
    expect(text).toContain('exact: expected "Paris" but got "Lyon"');
  });

  it('states the verdict and the bundle', () => {
    const failed = renderRunReport(summary(), plain);
    const passed = renderRunReport(summary({ verdict: 'pass', exitCode: 0, gates: [], worst: [], signed: true, keyid: 'SHA256:abc' }), plain);

    expect(failed).toContain('FAIL  3 of 3 gates failed: accuracy >= 0.9; latency_p95_ms <= 800; error_rate <= 0');
    expect(failed).toContain('(unsigned)');
    expect(passed).toContain('PASS  all 0 gates passed');
    expect(passed).toContain('signed by SHA256:abc');
  });

  it('shows deltas and flips against a baseline', () => {
    const text = renderRunReport(
      summary({
        baseline: {
          bundle: { path: 'proofs/faq/old.json', statementSha256: 'f'.repeat(64), version: '1234567890ab'.padEnd(64, '0'), finishedAt: null },
          metrics: { accuracy: { value: 1 / 3, baseline: 2 / 3, delta: -1 / 3 } },
          cases: {
            flippedToFail: ['c2'],
            flippedToPass: [],
            added: ['c3'],
            removed: [],
            unchanged: 1,
            counts: { flippedToFail: 1, flippedToPass: 0, added: 1, removed: 0 },
          },
        },
      }),
      plain,
    );

    expect(text).toMatch(/metric\s+value\s+baseline\s+delta\s+gate/);
    expect(text).toMatch(/accuracy\s+0\.3333\s+0\.6667\s+-0\.3333\s+>= 0\.9/);
    expect(text).toContain('Compared with proofs/faq/old.json (version 1234567890ab)');
    expect(text).toContain('1 passed before and fail now, 0 failed before and pass now, 1 unchanged');
    expect(text).toContain('now failing: c2');
    expect(text).toContain('1 cases are new, 0 are gone');
  });

  it('writes no colour codes when colour is off', () => {
    expect(renderRunReport(summary(), plain)).not.toMatch(/\u001b\[/);
  });
});
