// Gate evaluation: compares each metric with its threshold and derives the
// run's verdict. Pure functions; the CLI decides what a failed gate exits with.

import type { MetricValue } from '../metrics/aggregate.js';
import type { GateOp, GateSpec } from './parse.js';

export interface GateResult {
  metric: string;
  op: GateOp;
  threshold: number;
  /** The metric's value, null when it had no samples. */
  actual: number | null;
  passed: boolean;
  source: string;
  /** Reason the gate failed, absent when it passed. */
  reason?: string;
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

function evaluateGate(gate: GateSpec, metrics: Record<string, MetricValue>): GateResult {
  const base = { metric: gate.metric, op: gate.op, threshold: gate.threshold, source: gate.source };
  const metric = Object.hasOwn(metrics, gate.metric) ? metrics[gate.metric] : undefined;
  if (metric === undefined) return { ...base, actual: null, passed: false, reason: `metric "${gate.metric}" was not computed` };
  if (metric.value === null) return { ...base, actual: null, passed: false, reason: `metric "${gate.metric}" has no samples` };

  const passed = compare(metric.value, gate.op, gate.threshold);
  if (passed) return { ...base, actual: metric.value, passed };

  const reason = `${gate.metric} is ${metric.value}, but the gate requires ${gate.op} ${gate.threshold}`;
  return { ...base, actual: metric.value, passed, reason };
}

/** Evaluates every gate against the aggregated metrics, in gate order. */
export function evaluateGates(gates: GateSpec[], metrics: Record<string, MetricValue>): GateResult[] {
  return gates.map((gate) => evaluateGate(gate, metrics));
}

/** Returns 'pass' when every gate passed, else 'fail'. */
export function verdictOf(results: GateResult[]): 'pass' | 'fail' {
  return results.every((result) => result.passed) ? 'pass' : 'fail';
}
