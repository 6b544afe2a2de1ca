// The baseline record of a run: the bundle it was compared with, each
// metric's baseline value and delta, and the cases that flipped.

import { canonicalBytes, sha256Hex } from '../bundle/jcs.js';
import type { BundleFile } from '../bundle/store.js';
import type { GateBaseline } from '../gates/evaluate.js';
import { caseOutcomesOf, compareRuns, type CaseComparison, type CaseOutcome } from './cases.js';
import { metricDeltas, type MetricDelta } from './metrics.js';

/** Ids kept per list in a bundle; the counts stay complete. */
export const BASELINE_CASE_LIMIT = 100;

/** The `baseline` record of an evaluation predicate. */
export interface BaselineComparison {
  bundle: {
    /** Project-relative path of the baseline bundle. */
    path: string;
    /** sha256 of the baseline statement's JCS bytes, which its signature covers. */
    statementSha256: string;
    version: string | null;
    finishedAt: string | null;
  };
  metrics: Record<string, MetricDelta>;
  cases: CaseComparison;
}

export interface BaselineInput {
  /** Project-relative path of the baseline bundle file. */
  path: string;
  bundle: BundleFile;
}

/** Takes the metric values relative gates compare with from a baseline bundle. */
export function baselineMetrics(bundle: BundleFile): GateBaseline {
  return { metrics: metricValuesOf(bundle.statement.predicate) };
}

/**
 * Compares a finished run with its baseline bundle. The current cases are
 * streamed once; case lists are capped at `limit` ids each.
 */
export async function compareWithBaseline(
  baseline: BaselineInput,
  current: { metrics: Record<string, { value: number | null }>; cases: AsyncIterable<CaseOutcome> | Iterable<CaseOutcome> },
  limit = BASELINE_CASE_LIMIT,
): Promise<BaselineComparison> {
  const predicate = baseline.bundle.statement.predicate;
  const cases = await compareRuns(current.cases, caseOutcomesOf(predicate), { limit });

  return {
    bundle: {
      path: baseline.path,
      statementSha256: sha256Hex(canonicalBytes(baseline.bundle.statement)),
      version: stringOrNull((predicate.pipeline as { version?: unknown } | undefined)?.version),
      finishedAt: stringOrNull(predicate.finishedAt),
    },
    metrics: metricDeltas(current.metrics, metricValuesOf(predicate)),
    cases,
  };
}

/** Reads `{name: {value}}` from a predicate's metrics, dropping entries that are not numbers or null. */
export function metricValuesOf(predicate: Record<string, unknown>): Record<string, { value: number | null }> {
  const metrics = predicate.metrics;
  const values: Record<string, { value: number | null }> = {};
  if (typeof metrics !== 'object' || metrics === null) return values;

  for (const [name, metric] of Object.entries(metrics)) {
    const value = (metric as { value?: unknown } | null)?.value;
    if (typeof value === 'number' || value === null) values[name] = { value };
  }

  return values;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
