// The `metrics:` block of pipeline.yaml: each entry is `name: fn(arg)`, where
// fn is an aggregate function and arg a scorer name or a built-in measure.

import { ProofgateError } from '../errors.js';

export const METRIC_FUNCTIONS = ['mean', 'sum', 'min', 'max', 'count', 'pass_rate', 'p50', 'p90', 'p95', 'p99'] as const;

export type MetricFunction = (typeof METRIC_FUNCTIONS)[number];

/** Measures every case has besides its scores; `error` is 1 for a case that errored, else 0. */
export const BUILTIN_MEASURES = ['latency_ms', 'input_tokens', 'output_tokens', 'cost_usd', 'error'] as const;

export type BuiltinMeasure = (typeof BUILTIN_MEASURES)[number];

export const ERROR_RATE_METRIC = 'error_rate';

export interface MetricSpec {
  name: string;
  fn: MetricFunction;
  /** A scorer name or one of BUILTIN_MEASURES. */
  arg: string;
}

const EXPRESSION = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*([^()\s]*)\s*\)\s*$/;

export function isMetricFunction(name: string): name is MetricFunction {
  return (METRIC_FUNCTIONS as readonly string[]).includes(name);
}

export function isBuiltinMeasure(name: string): name is BuiltinMeasure {
  return (BUILTIN_MEASURES as readonly string[]).includes(name);
}

function invalid(name: string, message: string): ProofgateError {
  return new ProofgateError('CONFIG_INVALID', `metric "${name}": ${message}`);
}

function checkArgument(name: string, expression: string, spec: Omit<MetricSpec, 'name'>, scorerNames: readonly string[]): void {
  const { fn, arg } = spec;
  const isScorer = scorerNames.includes(arg);
  if (fn === 'pass_rate' && !isScorer) {
    const scorers = scorerNames.length > 0 ? scorerNames.join(', ') : 'none are defined';
    throw invalid(name, `pass_rate takes a scorer name, but "${expression}" names "${arg}"; scorers: ${scorers}`);
  }

  if (!isScorer && !isBuiltinMeasure(arg)) {
    const known = [...scorerNames, ...BUILTIN_MEASURES].join(', ');
    throw invalid(name, `"${arg}" in "${expression}" is neither a scorer nor a built-in measure; use one of ${known}`);
  }
}

/**
 * Parses one metric expression such as `mean(exact)` or `p95(latency_ms)`.
 * Throws CONFIG_INVALID naming the metric, what was written and what is allowed.
 */
export function parseMetricExpression(name: string, expression: string, scorerNames: readonly string[]): MetricSpec {
  if (typeof expression !== 'string') {
    throw invalid(name, `the expression must be a string such as "mean(exact)", but it is ${JSON.stringify(expression)}`);
  }

  const match = EXPRESSION.exec(expression);
  if (!match) {
    const form = 'fn(arg), such as mean(exact) or p95(latency_ms)';
    throw invalid(name, `"${expression}" is not of the form ${form}; fn is one of ${METRIC_FUNCTIONS.join(', ')}`);
  }

  const fn = match[1] as string;
  const arg = match[2] as string;
  if (!isMetricFunction(fn)) {
    throw invalid(name, `unknown function "${fn}" in "${expression}"; use one of ${METRIC_FUNCTIONS.join(', ')}`);
  }

  checkArgument(name, expression, { fn, arg }, scorerNames);
  if (name === ERROR_RATE_METRIC && !(fn === 'mean' && arg === 'error')) {
    const message = `the name error_rate is reserved for mean(error), but it is defined as "${expression}"`;
    throw invalid(name, `${message}; give this metric another name`);
  }

  return { name, fn, arg };
}

// A scorer named like a measure would make `mean(error)` ambiguous.
function checkScorerNames(scorerNames: readonly string[]): void {
  const clash = scorerNames.find(isBuiltinMeasure);
  if (clash !== undefined) {
    const message = `scorer name "${clash}" is also a built-in measure (${BUILTIN_MEASURES.join(', ')}); rename the scorer`;
    throw new ProofgateError('CONFIG_INVALID', message);
  }
}

/**
 * Parses every metric in file order and appends `error_rate: mean(error)` when
 * the file does not define it, so that the error rate always exists.
 */
export function resolveMetrics(metrics: Record<string, string>, scorerNames: readonly string[]): MetricSpec[] {
  checkScorerNames(scorerNames);

  const specs = Object.entries(metrics).map(([name, expression]) => parseMetricExpression(name, expression, scorerNames));
  if (!specs.some((spec) => spec.name === ERROR_RATE_METRIC)) {
    specs.push({ name: ERROR_RATE_METRIC, fn: 'mean', arg: 'error' });
  }

  return specs;
}
