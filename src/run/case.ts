import { createHash } from 'node:crypto';
import { cachedLatencyMs, liveLatencyMs } from '../cache/target.js';
import type { Case } from '../dataset/types.js';
import type { CaseMeasures } from '../metrics/aggregate.js';
import type { ScoreResult, Scorer } from '../scorers/scorer.js';
import { CaseError, type Target } from '../targets/target.js';
import { TemplateError } from '../template.js';

const MAX_REASON_LENGTH = 300;

/** One case's outcome as written into the bundle. Absent measures are left out, not zero. */
export interface CaseRecord {
  id: string;
  pass: boolean;
  error?: string;
  latency_ms: number;
  /** The response came from the response cache; latency, usage and cost are those of the call that produced it. */
  cached?: true;
  output_sha256?: string;
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number;
  scores: Record<string, ScoreResult>;
}

/** A finished case with what the report needs beyond the bundle record. */
export interface CaseOutcome {
  record: CaseRecord;
  measures: CaseMeasures;
  output: unknown;
  vars: Record<string, unknown>;
}

/**
 * Calls the target for one case and scores the output. A CaseError or a
 * template that names a missing field fails this case in every scorer; any
 * other error (TargetUnavailableError, an interrupt) ends the run.
 */
export async function runCase(item: Case, target: Target, scorers: readonly Scorer[], config: Record<string, unknown>, signal: AbortSignal): Promise<CaseOutcome> {
  const started = performance.now();
  let result;
  try {
    result = await target.call({ case: item, config, signal });
  } catch (error) {
    if (!isCaseLevel(error)) throw error;
    return failedOutcome(item, performance.now() - started, (error as Error).message, scorers);
  }
  const cachedLatency = cachedLatencyMs(result);
  const latency = cachedLatency ?? liveLatencyMs(result) ?? performance.now() - started;

  const scores: Record<string, ScoreResult> = {};
  try {
    for (const scorer of scorers) {
      scores[scorer.name] = clampScore(await scorer.score({ output: result.output, vars: item.vars, id: item.id }));
    }
  } catch (error) {
    if (!isCaseLevel(error)) throw error;
    return failedOutcome(item, latency, `scoring failed: ${(error as Error).message}`, scorers);
  }

  const record: CaseRecord = {
    id: item.id,
    pass: Object.values(scores).every((score) => score.pass),
    latency_ms: roundMs(latency),
    ...(cachedLatency === undefined ? {} : { cached: true as const }),
    output_sha256: sha256(typeof result.output === 'string' ? result.output : JSON.stringify(result.output ?? null)),
    ...definedNumber('input_tokens', result.usage?.input_tokens),
    ...definedNumber('output_tokens', result.usage?.output_tokens),
    ...definedNumber('cost_usd', result.cost_usd),
    scores,
  };

  return { record, measures: measuresOf(record, false), output: result.output, vars: item.vars };
}

function failedOutcome(item: Case, latency: number, message: string, scorers: readonly Scorer[]): CaseOutcome {
  const error = truncate(message);
  const scores: Record<string, ScoreResult> = {};
  for (const scorer of scorers) scores[scorer.name] = { score: 0, pass: false, reason: 'case errored' };

  const record: CaseRecord = { id: item.id, pass: false, error, latency_ms: roundMs(latency), scores };
  return { record, measures: measuresOf(record, true), output: undefined, vars: item.vars };
}

function isCaseLevel(error: unknown): boolean {
  return error instanceof CaseError || error instanceof TemplateError;
}

/** Returns the per-case measures that metrics aggregate, taken from a record. `errored` is true when the target call or scoring failed. */
export function measuresOf(record: CaseRecord, errored: boolean): CaseMeasures {
  return {
    error: errored,
    latency_ms: record.latency_ms,
    input_tokens: record.input_tokens,
    output_tokens: record.output_tokens,
    cost_usd: record.cost_usd,
    scores: record.scores,
  };
}

// A scorer bug must not write a score outside [0, 1] into a signed bundle.
function clampScore(result: ScoreResult): ScoreResult {
  const score = Number.isFinite(result.score) ? Math.min(1, Math.max(0, result.score)) : 0;
  const clamped: ScoreResult = { score, pass: result.pass };
  if (result.reason !== undefined && !result.pass) clamped.reason = truncate(result.reason);
  return clamped;
}

// A measure that could not be signed exactly (NaN, Infinity, an integer beyond
// 2^53) is left out rather than failing the whole run when the bundle is signed.
function definedNumber<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  if (value === undefined || !Number.isFinite(value)) return {};
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return {};
  return { [key]: value } as Record<K, number>;
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function truncate(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}
