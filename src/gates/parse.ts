// The `gates:` block of pipeline.yaml: thresholds on metrics, written either
// as "accuracy >= 0.9" or as { metric: accuracy, op: ">=", value: 0.9 }.

import { ProofgateError } from '../errors.js';
import { ERROR_RATE_METRIC } from '../metrics/parse.js';

export type GateOp = '>=' | '>' | '<=' | '<' | '==' | '!=';

export const GATE_OPS: readonly GateOp[] = ['>=', '>', '<=', '<', '==', '!='];

export interface GateSpec {
  metric: string;
  op: GateOp;
  threshold: number;
  /** The gate as written, or rebuilt from the object form, for reports. */
  source: string;
  /** 0-based position in `gates:`; the default error-rate gate comes last. */
  index: number;
}

export type GateInput = string | { metric: string; op: string; value: number };

const DEFAULT_ERROR_GATE = `${ERROR_RATE_METRIC} <= 0`;

// Metric names follow the schema's pattern for `metrics:` keys. Two-character
// operators come first so that ">=" is not read as ">" followed by "=".
const METRIC_NAME = '[A-Za-z_][A-Za-z0-9_.-]*';
const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const GATE_EXPRESSION = new RegExp(String.raw`^\s*(${METRIC_NAME})\s*(>=|<=|==|!=|>|<)\s*(${NUMBER})\s*$`);

const OBJECT_EXAMPLE = '{ metric: accuracy, op: ">=", value: 0.9 }';

const FORM_HINT = 'write "<metric> <op> <number>" such as "accuracy >= 0.9", with op one of >=, >, <=, <, ==, !=';

function isGateOp(op: unknown): op is GateOp {
  return typeof op === 'string' && (GATE_OPS as readonly string[]).includes(op);
}

function invalid(message: string): ProofgateError {
  return new ProofgateError('CONFIG_INVALID', message);
}

function parseGateString(text: string, index: number): GateSpec {
  const match = GATE_EXPRESSION.exec(text);
  if (!match) {
    const single = /^[^=<>!]*=[^=]/.test(text) ? '; use == to compare for equality' : '';
    throw invalid(`gate "${text}" is invalid: ${FORM_HINT}${single}`);
  }

  const threshold = Number(match[3]);
  if (!Number.isFinite(threshold)) throw invalid(`gate "${text}" is invalid: the threshold ${match[3]} is not a finite number`);

  return { metric: match[1] as string, op: match[2] as GateOp, threshold, source: text.trim(), index };
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

  return { metric, op, threshold: value, source: `${metric} ${op} ${value}`, index };
}

/** Parses one gate in either form; throws CONFIG_INVALID with the expected form and an example. */
export function parseGate(input: GateInput, index: number): GateSpec {
  if (typeof input === 'string') return parseGateString(input, index);
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    return parseGateObject(input as Record<string, unknown>, index);
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
