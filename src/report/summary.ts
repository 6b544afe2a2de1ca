import path from 'node:path';
import { EXIT } from '../errors.js';
import type { BaselineComparison } from '../compare/baseline.js';
import type { GateResult } from '../gates/evaluate.js';
import type { RunOutcome } from '../run/run.js';
import type { FailedCaseSummary } from '../run/worst.js';

/**
 * The outcome of a run as both the terminal report and `--json` show it.
 * `exitCode` is derived from `verdict` here and nowhere else, so what is
 * printed and how the process exits cannot disagree.
 */
export interface RunSummary {
  verdict: 'pass' | 'fail';
  exitCode: number;
  pipeline: string;
  version: string;
  bundle: string;
  signed: boolean;
  keyid?: string;
  dataset: { path: string; sha256: string; cases: number; skipped: number };
  /** `cached` counts the cases served from the response cache instead of calling the target. */
  cases: { total: number; passed: number; failed: number; errors: number; cached: number };
  metrics: Record<string, { expression: string; value: number | null; samples: number }>;
  gates: GateResult[];
  worst: FailedCaseSummary[];
  /** Metric deltas and flipped cases against the baseline bundle; null without one. */
  baseline: BaselineComparison | null;
  durationMs: number;
}

export function summarizeRun(outcome: RunOutcome, cwd: string): RunSummary {
  const { progress } = outcome;
  return {
    verdict: outcome.verdict,
    exitCode: outcome.verdict === 'pass' ? EXIT.ok : EXIT.gateFailed,
    pipeline: outcome.pipeline.name,
    version: outcome.pipeline.version,
    bundle: path.relative(cwd, outcome.bundlePath) || outcome.bundlePath,
    signed: outcome.keyid !== undefined,
    ...(outcome.keyid === undefined ? {} : { keyid: outcome.keyid }),
    dataset: {
      path: outcome.pipeline.dataset.displayPath,
      sha256: outcome.scan.sha256,
      cases: outcome.scan.cases,
      skipped: outcome.scan.skipped,
    },
    cases: {
      total: progress.done,
      passed: progress.done - progress.failed,
      failed: progress.failed,
      errors: progress.errors,
      cached: outcome.cache?.hits ?? 0,
    },
    metrics: outcome.metrics,
    gates: outcome.gates,
    worst: outcome.worst,
    baseline: outcome.baseline,
    durationMs: outcome.finishedAt.getTime() - outcome.startedAt.getTime(),
  };
}
