import { canonicalJson } from '../bundle/jcs.js';
import type { Case } from '../dataset/types.js';
import { MetricAggregator } from '../metrics/aggregate.js';
import type { MetricSpec } from '../metrics/parse.js';
import type { Scorer, ScorerSpec } from '../scorers/scorer.js';
import type { Target } from '../targets/target.js';
import { runCase, type CaseOutcome } from './case.js';
import { runPool } from './pool.js';
import { CaseSpool } from './spool.js';
import { WorstCases, type FailedCaseSummary } from './worst.js';

export interface Progress {
  done: number;
  total: number;
  failed: number;
  errors: number;
}

export interface ExecuteOptions {
  cases: AsyncIterable<Case>;
  total: number;
  target: Target;
  scorers: readonly Scorer[];
  scorerSpecs: readonly ScorerSpec[];
  metrics: MetricSpec[];
  pipelineConfig: Record<string, unknown>;
  concurrency: number;
  signal: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** How many failing cases the report lists. */
  worstCount?: number;
}

export interface Execution {
  progress: Progress;
  metrics: ReturnType<MetricAggregator['results']>;
  worst: FailedCaseSummary[];
  /** Per-case records in case order, read back from disk. */
  spool: CaseSpool;
}

/**
 * Runs every case through the target and the scorers with bounded
 * concurrency, aggregating metrics as each case finishes. Throws whatever
 * ended the run early; the spool is disposed in that case.
 */
export async function executeCases(options: ExecuteOptions): Promise<Execution> {
  const aggregator = new MetricAggregator(options.metrics);
  const worst = new WorstCases(options.worstCount ?? 5, options.scorerSpecs);
  const spool = new CaseSpool(options.total);
  const progress: Progress = { done: 0, total: options.total, failed: 0, errors: 0 };

  const record = (item: Case, outcome: CaseOutcome): void => {
    aggregator.add(outcome.measures);
    worst.offer(item, outcome);
    progress.done += 1;
    if (!outcome.record.pass) progress.failed += 1;
    if (outcome.record.error !== undefined) progress.errors += 1;
    spool.append(item.index, canonicalJson(outcome.record));
    options.onProgress?.(progress);
  };

  try {
    await runPool(options.cases, options.concurrency, async (item) => {
      if (options.signal.aborted) throw options.signal.reason;
      const outcome = await runCase(item, options.target, options.scorers, options.pipelineConfig, options.signal);
      record(item, outcome);
    });
    if (options.signal.aborted) throw options.signal.reason;
  } catch (error) {
    await spool.dispose();
    throw error;
  }

  return { progress, metrics: aggregator.results(), worst: worst.list(), spool };
}
