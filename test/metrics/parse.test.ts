import { describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { BUILTIN_MEASURES, METRIC_FUNCTIONS, parseMetricExpression, resolveMetrics } from '../../src/metrics/parse.js';

const SCORERS = ['exact', 'f1'];

function errorOf(action: () => unknown): ProofgateError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProofgateError) return error;
    throw error;
  }
  throw new Error('expected a ProofgateError');
}

describe('parseMetricExpression', () => {
  it('parses every function', () => {
    for (const fn of METRIC_FUNCTIONS) {
      expect(parseMetricExpression('m', `${fn}(exact)`, SCORERS)).toEqual({ name: 'm', fn, arg: 'exact' });
    }
  });

  it('accepts built-in measures', () => {
    for (const measure of BUILTIN_MEASURES) {
      expect(parseMetricExpression('m', `p95(${measure})`, SCORERS).arg).toBe(measure);
    }
  });

  it('allows whitespace', () => {
    expect(parseMetricExpression('m', '  mean ( f1 ) ', SCORERS)).toEqual({ name: 'm', fn: 'mean', arg: 'f1' });
  });

  it('rejects a malformed expression', () => {
    const error = errorOf(() => parseMetricExpression('accuracy', 'mean exact', SCORERS));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'metric "accuracy": "mean exact" is not of the form fn(arg), such as mean(exact) or p95(latency_ms); fn is one of mean, sum, min, max, count, pass_rate, p50, p90, p95, p99',
    );
  });

  it('rejects an unknown function', () => {
    const error = errorOf(() => parseMetricExpression('accuracy', 'avg(exact)', SCORERS));
    expect(error.message).toMatch(/^metric "accuracy": unknown function "avg" in "avg\(exact\)"; use one of mean, sum/);
  });

  it('rejects an unknown argument', () => {
    const error = errorOf(() => parseMetricExpression('accuracy', 'mean(exakt)', SCORERS));
    expect(error.message).toBe(
      'metric "accuracy": "exakt" in "mean(exakt)" is neither a scorer nor a built-in measure; use one of exact, f1, latency_ms, input_tokens, output_tokens, cost_usd, error',
    );
  });

  it('limits pass_rate to scorers', () => {
    const error = errorOf(() => parseMetricExpression('ok', 'pass_rate(latency_ms)', SCORERS));
    expect(error.message).toBe('metric "ok": pass_rate takes a scorer name, but "pass_rate(latency_ms)" names "latency_ms"; scorers: exact, f1');
  });

  it('reserves error_rate for mean(error)', () => {
    expect(parseMetricExpression('error_rate', 'mean(error)', SCORERS).fn).toBe('mean');
    const error = errorOf(() => parseMetricExpression('error_rate', 'sum(error)', SCORERS));
    expect(error.message).toMatch(/^metric "error_rate": the name error_rate is reserved for mean\(error\)/);
  });

  it('rejects a non-string expression', () => {
    const error = errorOf(() => parseMetricExpression('m', 3 as unknown as string, SCORERS));
    expect(error.message).toMatch(/must be a string such as "mean\(exact\)"/);
  });
});

describe('resolveMetrics', () => {
  it('adds error_rate when missing', () => {
    const specs = resolveMetrics({ accuracy: 'mean(exact)', p95: 'p95(latency_ms)' }, SCORERS);
    expect(specs).toEqual([
      { name: 'accuracy', fn: 'mean', arg: 'exact' },
      { name: 'p95', fn: 'p95', arg: 'latency_ms' },
      { name: 'error_rate', fn: 'mean', arg: 'error' },
    ]);
  });

  it('keeps a declared error_rate once', () => {
    const specs = resolveMetrics({ error_rate: 'mean(error)', accuracy: 'mean(exact)' }, SCORERS);
    expect(specs.filter((spec) => spec.name === 'error_rate')).toHaveLength(1);
    expect(specs[0]?.name).toBe('error_rate');
  });

  it('rejects scorers named like measures', () => {
    const error = errorOf(() => resolveMetrics({}, ['exact', 'error']));
    expect(error.message).toMatch(/^scorer name "error" is also a built-in measure/);
  });

  it('propagates expression errors', () => {
    expect(() => resolveMetrics({ accuracy: 'mean(nothing)' }, SCORERS)).toThrow(ProofgateError);
  });
});
