// Streaming aggregation of per-case measures into metric values. Memory stays
// flat in the number of cases: running sums for every argument, and raw values
// (8 bytes per case, in a Float64Array) only for arguments a percentile needs.

import { isBuiltinMeasure, type MetricFunction, type MetricSpec } from './parse.js';

/** Measures of one finished case, as the metrics read them. */
export interface CaseMeasures {
  error: boolean;
  latency_ms: number;
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number;
  scores: Record<string, { score: number; pass: boolean }>;
}

/** A metric's value, null when no case contributed a sample. */
export interface MetricValue {
  value: number | null;
  samples: number;
}

const PERCENTILES: Partial<Record<MetricFunction, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

const INITIAL_CAPACITY = 256;

/** Count, compensated sum, min and max of a stream of numbers. */
class RunningStats {
  count = 0;
  min = Infinity;
  max = -Infinity;
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    this.count += 1;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);

    // Neumaier summation: 100,000 costs or latencies summed naively drift in
    // the last digits, which would show up in signed bundles.
    const total = this.sum + value;
    const lost = Math.abs(this.sum) >= Math.abs(value) ? this.sum - total + value : value - total + this.sum;
    this.compensation += lost;
    this.sum = total;
  }

  total(): number {
    return this.sum + this.compensation;
  }
}

/** Raw values in a Float64Array that doubles when full. */
class SampleBuffer {
  private values = new Float64Array(INITIAL_CAPACITY);
  private length = 0;
  private sorted = true;

  add(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }

    this.values[this.length] = value;
    this.length += 1;
    this.sorted = false;
  }

  sortedValues(): Float64Array {
    const view = this.values.subarray(0, this.length);
    if (!this.sorted) {
      view.sort();
      this.sorted = true;
    }

    return view;
  }
}

/**
 * Computes the q-quantile of sorted values by linear interpolation between the
 * closest ranks, numpy's default method ('linear'): h = (n - 1) * q, then a
 * blend of the values at floor(h) and ceil(h). Matches numpy.quantile up to
 * floating-point rounding.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;

  // Interpolating from the nearer end, as numpy does, keeps the result exact
  // at both ends and monotonic in q.
  const fraction = position - lower;
  const gap = high - low;
  return fraction >= 0.5 ? high - gap * (1 - fraction) : low + gap * fraction;
}

type SampleKind = 'value' | 'pass';

interface Source {
  arg: string;
  kind: SampleKind;
  stats: RunningStats;
  samples?: SampleBuffer;
}

function sourceKey(spec: MetricSpec): string {
  return `${spec.fn === 'pass_rate' ? 'pass' : 'value'}:${spec.arg}`;
}

function isUsable(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Reads one sample for an argument, or undefined when the case has none. A
 * case that errored counts as score 0 and a fail in every scorer even when its
 * scores are missing, so it never drops out of a denominator.
 */
function readSample(source: Source, measures: CaseMeasures): number | undefined {
  if (source.arg === 'error') return measures.error ? 1 : 0;

  if (isBuiltinMeasure(source.arg)) {
    const value = measures[source.arg];
    return isUsable(value) ? value : undefined;
  }

  const result = Object.hasOwn(measures.scores, source.arg) ? measures.scores[source.arg] : undefined;
  if (result === undefined) return measures.error ? 0 : undefined;
  if (source.kind === 'pass') return result.pass ? 1 : 0;

  return isUsable(result.score) ? result.score : undefined;
}

function valueOf(fn: MetricFunction, source: Source): number {
  const stats = source.stats;
  const q = PERCENTILES[fn];
  if (q !== undefined && source.samples) return percentile(source.samples.sortedValues(), q);

  switch (fn) {
    case 'sum':
      return stats.total();
    case 'min':
      return stats.min;
    case 'max':
      return stats.max;
    case 'count':
      return stats.count;
    default:
      // mean, and pass_rate, which is the mean of 1/0 pass samples
      return stats.total() / stats.count;
  }
}

/** Aggregates metrics as cases finish, so a run never keeps every case in memory. */
export class MetricAggregator {
  private readonly specs: MetricSpec[];
  private readonly sources = new Map<string, Source>();

  constructor(specs: MetricSpec[]) {
    this.specs = [...specs];
    for (const spec of specs) {
      const key = sourceKey(spec);
      const kind: SampleKind = spec.fn === 'pass_rate' ? 'pass' : 'value';
      const source = this.sources.get(key) ?? { arg: spec.arg, kind, stats: new RunningStats() };
      if (PERCENTILES[spec.fn] !== undefined) source.samples ??= new SampleBuffer();

      this.sources.set(key, source);
    }
  }

  add(measures: CaseMeasures): void {
    for (const source of this.sources.values()) {
      const sample = readSample(source, measures);
      if (sample === undefined) continue;

      source.stats.add(sample);
      source.samples?.add(sample);
    }
  }

  /** Returns every metric by name, in the order of the specs. A metric without samples has value null. */
  results(): Record<string, MetricValue> {
    const results: Record<string, MetricValue> = {};
    for (const spec of this.specs) {
      const source = this.sources.get(sourceKey(spec)) as Source;
      const samples = source.stats.count;
      results[spec.name] = { value: samples === 0 ? null : valueOf(spec.fn, source), samples };
    }

    return results;
  }
}
