// The `gates:` block of pipeline.yaml: thresholds on metrics, written either
// as "accuracy >= 0.9" or as { metric: accuracy, op: ">=", value: 0.9 }.
// Relative gates compare with the baseline run instead of a fixed number:
// "accuracy >= baseline - 0.02" or { metric: accuracy, max_regression: 0.02 }.

import { ProofgateError } from '../errors.js';
import { ERROR_RATE_METRIC } from '../metrics/parse.js';

export type GateOp = '>=' | '>' | '<=' | '<' | '==' | '!=';

export const GATE_OPS: readonly GateOp[] = ['>=', '>', '<=', '<', '==', '!='];

export type GateDirection = 'higher_is_better' | 'lower_is_better';

export const GATE_DIRECTIONS: readonly GateDirection[] = ['higher_is_better', 'lower_is_better'];

export interface GateSpec {
  metric: string;
  op: GateOp;
  /** The fixed threshold; for a relative gate, the offset added to the baseline value (as in `relative.offset`). */
  threshold: number;
  /** Present for a relative gate: the threshold is the baseline run's value of the metric plus `offset`. */
  relative?: { offset: number };
  /** The gate as written, or rebuilt from the object form, for reports. */
  source: string;
  /** 0-based position in `gates:`; the default error-rate gate comes last. */
  index: number;
}

export type GateInput =
  | string
  | { metric: string; op: string; value: number }
  | { metric: string; max_regression: number; direction?: GateDirection };

const DEFAULT_ERROR_GATE = `${ERROR_RATE_METRIC} <= 0`;

// Metric names follow the schema's pattern for `metrics:` keys. Two-character
// operators come first so that ">=" is not read as ">" followed by "=".
const METRIC_NAME = '[A-Za-z_][A-Za-z0-9_.-]*';
const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const UNSIGNED_NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const GATE_EXPRESSION = new RegExp(String.raw`^\s*(${METRIC_NAME})\s*(>=|<=|==|!=|>|<)\s*(${NUMBER})\s*$`);
const RELATIVE_EXPRESSION = new RegExp(
  String.raw`^\s*(${METRIC_NAME})\s*(>=|<=|==|!=|>|<)\s*baseline(?:\s*([-+])\s*(${UNSIGNED_NUMBER}))?\s*$`,
);

const OBJECT_EXAMPLE = '{ metric: accuracy, op: ">=", value: 0.9 }';

const FORM_HINT = 'write "<metric> <op> <number>" such as "accuracy >= 0.9", with op one of >=, >, <=, <, ==, !=';

const RELATIVE_HINT =
  'write "<metric> <op> baseline [+|-] <number>" such as "accuracy >= baseline - 0.02", with op one of >=, >, <=, <, ==, !=';

const REGRESSION_EXAMPLE = '{ metric: accuracy, max_regression: 0.02 }';

function isGateOp(op: unknown): op is GateOp {
  return typeof op === 'string' && (GATE_OPS as readonly string[]).includes(op);
}

function invalid(message: string): ProofgateError {
  return new ProofgateError('CONFIG_INVALID', message);
}

function parseGateString(text: string, index: number): GateSpec {
  if (/\bbaseline\b/.test(text) && !GATE_EXPRESSION.test(text)) return parseRelativeString(text, index);

  const match = GATE_EXPRESSION.exec(text);
  if (!match) {
    const single = /^[^=<>!]*=[^=]/.test(text) ? '; use == to compare for equality' : '';
    throw invalid(`gate "${text}" is invalid: ${FORM_HINT}${single}`);
  }

  const threshold = Number(match[3]);
  if (!Number.isFinite(threshold)) throw invalid(`gate "${text}" is invalid: the threshold ${match[3]} is not a finite number`);

  return { metric: match[1] as string, op: match[2] as GateOp, threshold, source: text.trim(), index };
}

function parseRelativeString(text: string, index: number): GateSpec {
  const match = RELATIVE_EXPRESSION.exec(text);
  if (!match) throw invalid(`gate "${text}" is invalid: ${RELATIVE_HINT}`);

  const [, metric = '', op = '', sign, number] = match;
  const magnitude = number === undefined ? 0 : Number(number);
  if (!Number.isFinite(magnitude)) throw invalid(`gate "${text}" is invalid: the offset ${number} is not a finite number`);

  const offset = sign === '-' ? -magnitude : magnitude;
  return relativeGate(metric, op as GateOp, offset, text.trim(), index);
}

function relativeGate(metric: string, op: GateOp, offset: number, source: string, index: number): GateSpec {
  // JSON writes -0 as 0, so -0 is normalized to keep the gate equal to what a bundle records.
  const normalized = offset === 0 ? 0 : offset;
  return { metric, op, threshold: normalized, relative: { offset: normalized }, source, index };
}

function parseGateObject(input: Record<string, unknown>, index: number): GateSpec {
  const { metric, op, value } = input;
  const written = JSON.stringify(input);
  if (typeof metric !== 'string' || metric.trim() === '') {
    throw invalid(`gate ${written} is invalid: "metric" must name a metric, as in ${OBJECT_EXAMPLE}`);
  }

  if (!isGateOp(op)) throw invalid(`gate ${written} is invalid: "op" must be one of ${GATE_OPS.join(', ')}`);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`gate ${written} is invalid: "value" must be a finite number, as in ${OBJECT_EXAMPLE}`);
  }

  if ('direction' in input) {
    throw invalid(`gate ${written} is invalid: "direction" applies only to relative gates, as in ${REGRESSION_EXAMPLE}`);
  }

  return { metric, op, threshold: value, source: `${metric} ${op} ${value}`, index };
}

/**
 * Reads `{ metric, max_regression, direction }`. Higher is better by default,
 * so the gate fails when the value drops below the baseline by more than
 * max_regression; with lower_is_better it fails when the value rises above
 * the baseline by more than that.
 */
function parseRegressionObject(input: Record<string, unknown>, index: number): GateSpec {
  const { metric, max_regression: maxRegression, direction = 'higher_is_better' } = input;
  const written = JSON.stringify(input);
  if (typeof metric !== 'string' || metric.trim() === '') {
    throw invalid(`gate ${written} is invalid: "metric" must name a metric, as in ${REGRESSION_EXAMPLE}`);
  }

  if (typeof maxRegression !== 'number' || !Number.isFinite(maxRegression) || maxRegression < 0) {
    throw invalid(`gate ${written} is invalid: "max_regression" must be a finite number of at least 0, as in ${REGRESSION_EXAMPLE}`);
  }

  if (!(GATE_DIRECTIONS as readonly unknown[]).includes(direction)) {
    throw invalid(`gate ${written} is invalid: "direction" must be one of ${GATE_DIRECTIONS.join(', ')}`);
  }

  if ('op' in input || 'value' in input) {
    throw invalid(`gate ${written} is invalid: use either { metric, op, value } or { metric, max_regression }, not both`);
  }

  const lowerIsBetter = direction === 'lower_is_better';
  const op: GateOp = lowerIsBetter ? '<=' : '>=';
  const offset = lowerIsBetter ? maxRegression : -maxRegression;
  const source = `${metric} ${op} baseline ${lowerIsBetter ? '+' : '-'} ${maxRegression}`;

  return relativeGate(metric, op, offset, source, index);
}

/** Parses one gate in any form; throws CONFIG_INVALID with the expected form and an example. */
export function parseGate(input: GateInput, index: number): GateSpec {
  if (typeof input === 'string') return parseGateString(input, index);
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const record = input as Record<string, unknown>;
    if ('max_regression' in record) return parseRegressionObject(record, index);
    return parseGateObject(record, index);
  }

  throw invalid(`gate ${JSON.stringify(input)} is invalid: ${FORM_HINT}, or use { metric, op, value }`);
}

/**
 * Parses every gate and checks that each names a defined metric. Appends
 * "error_rate <= 0" unless a gate already names error_rate, so that by default
 * any errored case fails the run.
 */
export function resolveGates(inputs: readonly GateInput[], metricNames: readonly string[]): GateSpec[] {
  const gates = inputs.map((input, index) => parseGate(input, index));

  for (const gate of gates) {
    if (!metricNames.includes(gate.metric)) {
      const defined = metricNames.length > 0 ? metricNames.join(', ') : 'none';
      throw invalid(`gate "${gate.source}" names the unknown metric "${gate.metric}"; defined metrics: ${defined}`);
    }
  }

  if (!gates.some((gate) => gate.metric === ERROR_RATE_METRIC)) {
    gates.push(parseGateString(DEFAULT_ERROR_GATE, gates.length));
  }

  return gates;
}
