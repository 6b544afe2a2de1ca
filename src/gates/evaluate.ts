// Gate evaluation: compares each metric with its threshold and derives the
// run's verdict. Pure functions; the CLI decides what a failed gate exits with.

import { decimalSum } from '../compare/precision.js';
import type { MetricValue } from '../metrics/aggregate.js';
import type { GateOp, GateSpec } from './parse.js';

export interface GateResult {
  metric: string;
  op: GateOp;
  /** The threshold compared with; for a relative gate, baseline + offset, or null without a baseline value. */
  threshold: number | null;
  /** The metric's value, null when it had no samples. */
  actual: number | null;
  passed: boolean;
  source: string;
  /** Relative gates only: the baseline run's value of the metric, null when there was none. */
  baseline?: number | null;
  /** Relative gates only: what is added to the baseline value to get the threshold. */
  offset?: number;
  /** Reason the gate failed, absent when it passed. */
  reason?: string;
}

/** The metrics of the run that relative gates compare with. */
export interface GateBaseline {
  metrics: Record<string, { value: number | null }>;
}

// Plain floating-point comparison: == and != compare exactly, so a gate such
// as "accuracy == 1" holds only when every case passed.
function compare(actual: number, op: GateOp, threshold: number): boolean {
  switch (op) {
    case '>=':
      return actual >= threshold;
    case '>':
      return actual > threshold;
    case '<=':
      return actual <= threshold;
    case '<':
      return actual < threshold;
    case '==':
      return actual === threshold;
    case '!=':
      return actual !== threshold;
  }
}

function evaluateGate(gate: GateSpec, metrics: Record<string, MetricValue>, baseline: GateBaseline | undefined): GateResult {
  if (gate.relative !== undefined) return evaluateRelativeGate(gate, gate.relative.offset, metrics, baseline);

  const base = { metric: gate.metric, op: gate.op, threshold: gate.threshold, source: gate.source };
  const value = metricValue(gate.metric, metrics);
  if (typeof value === 'string') return { ...base, actual: null, passed: false, reason: value };

  const passed = compare(value, gate.op, gate.threshold);
  if (passed) return { ...base, actual: value, passed };

  const reason = `${gate.metric} is ${value}, but the gate requires ${gate.op} ${gate.threshold}`;
  return { ...base, actual: value, passed, reason };
}

/**
 * A relative gate never passes without a baseline value: a first run, or a
 * baseline that did not compute the metric, fails it with the reason.
 */
function evaluateRelativeGate(
  gate: GateSpec,
  offset: number,
  metrics: Record<string, MetricValue>,
  baseline: GateBaseline | undefined,
): GateResult {
  const value = metricValue(gate.metric, metrics);
  const actual = typeof value === 'number' ? value : null;
  const base = { metric: gate.metric, op: gate.op, source: gate.source, offset, actual };

  if (baseline === undefined) return { ...base, threshold: null, baseline: null, passed: false, reason: 'no baseline' };

  const baselineValue = Object.hasOwn(baseline.metrics, gate.metric) ? baseline.metrics[gate.metric]?.value : undefined;
  if (typeof baselineValue !== 'number') {
    const reason = `baseline has no value for "${gate.metric}"`;
    return { ...base, threshold: null, baseline: null, passed: false, reason };
  }

  const threshold = decimalSum(baselineValue, offset);
  const withBaseline = { ...base, threshold, baseline: baselineValue };
  if (typeof value === 'string') return { ...withBaseline, passed: false, reason: value };

  const passed = compare(value, gate.op, threshold);
  if (passed) return { ...withBaseline, passed };

  const reason = `${gate.metric} is ${value}, but the gate requires ${gate.op} ${threshold} (baseline ${baselineValue} ${formatOffset(offset)})`;
  return { ...withBaseline, passed, reason };
}

// Returns the metric's value, or the reason there is none.
function metricValue(name: string, metrics: Record<string, MetricValue>): number | string {
  const metric = Object.hasOwn(metrics, name) ? metrics[name] : undefined;
  if (metric === undefined) return `metric "${name}" was not computed`;
  if (metric.value === null) return `metric "${name}" has no samples`;
  return metric.value;
}

function formatOffset(offset: number): string {
  return offset < 0 ? `- ${-offset}` : `+ ${offset}`;
}

/**
 * Evaluates every gate against the aggregated metrics, in gate order.
 * Relative gates compare with `baseline`; without it they fail.
 */
export function evaluateGates(gates: GateSpec[], metrics: Record<string, MetricValue>, baseline?: GateBaseline): GateResult[] {
  return gates.map((gate) => evaluateGate(gate, metrics, baseline));
}

/** Returns 'pass' when every gate passed, else 'fail'. */
export function verdictOf(results: GateResult[]): 'pass' | 'fail' {
  return results.every((result) => result.passed) ? 'pass' : 'fail';
}
