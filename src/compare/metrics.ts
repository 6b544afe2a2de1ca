import { decimalSum } from './precision.js';

/** One metric in two runs. `delta` is value - baseline, null unless both are numbers. */
export interface MetricDelta {
  value: number | null;
  baseline: number | null;
  delta: number | null;
}

type MetricValues = Record<string, { value: number | null } | undefined>;

/**
 * Pairs each metric of the current run with the baseline's. Metrics of only
 * one run are included with null on the other side, current ones first, so a
 * renamed or dropped metric stays visible.
 */
export function metricDeltas(current: MetricValues, baseline: MetricValues): Record<string, MetricDelta> {
  const names = [...new Set([...Object.keys(current), ...Object.keys(baseline)])];
  const deltas: Record<string, MetricDelta> = {};

  for (const name of names) {
    const value = numberOrNull(Object.hasOwn(current, name) ? current[name]?.value : undefined);
    const before = numberOrNull(Object.hasOwn(baseline, name) ? baseline[name]?.value : undefined);
    const delta = value === null || before === null ? null : decimalSum(value, -before);

    deltas[name] = { value, baseline: before, delta };
  }

  return deltas;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
