// Scorer type definitions, and the readers that check a spec's parameters.
// The pipeline schema already checks types, but createScorer is also called on
// specs that never went through it (tests, library users), so each reader
// checks again and names the scorer in its error.

import { ProofgateError } from '../errors.js';
import type { ScoreInput, ScoreResult, ScorerContext, ScorerSpec } from './scorer.js';

/**
 * Judges one output. A passing result may carry a `reason` that describes what
 * matched: a negated scorer reports it, and createScorer drops it otherwise.
 */
export type ScoreFunction = (input: ScoreInput) => ScoreResult | Promise<ScoreResult>;

/** One scorer type: how it builds its score function and which parameters are templates. */
export interface ScorerDefinition {
  /** Parameters whose strings are `{{field}}` templates over the case. */
  readonly templateParameters: readonly string[];
  create(spec: ScorerSpec, context: ScorerContext): ScoreFunction;
}

/** Builds the CONFIG_INVALID error for a bad scorer parameter, naming the scorer. */
export function scorerConfigError(spec: ScorerSpec, message: string, cause?: unknown): ProofgateError {
  const text = `scorer "${spec.name}" (${spec.type}): ${message}`;
  return new ProofgateError('CONFIG_INVALID', text, cause === undefined ? {} : { cause });
}

/** Names a value's JSON type for messages: "a number", "an array", "missing". */
export function describeType(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Reads a required string parameter. */
export function readString(spec: ScorerSpec, key: string): string {
  const value = spec[key];
  if (typeof value !== 'string') {
    const message = `"${key}" must be a string, but it is ${describeType(value)}; set it in the scorers list of pipeline.yaml`;
    throw scorerConfigError(spec, message);
  }

  return value;
}

/** Reads a required non-empty list of strings. */
export function readStringList(spec: ScorerSpec, key: string): string[] {
  const value = spec[key];
  const isStringList = Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (!isStringList || value.length === 0) {
    throw scorerConfigError(spec, `"${key}" must be a non-empty list of strings, but it is ${describeType(value)}`);
  }

  return value as string[];
}

/** Reads a parameter that is one string or a non-empty list of strings, as a list. */
export function readStringOrList(spec: ScorerSpec, key: string): string[] {
  const value = spec[key];
  if (typeof value === 'string') return [value];

  return readStringList(spec, key);
}

/** Reads an optional boolean parameter. */
export function readBoolean(spec: ScorerSpec, key: string, fallback: boolean): boolean {
  const value = spec[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw scorerConfigError(spec, `"${key}" must be true or false, but it is ${describeType(value)}`);
  }

  return value;
}

/** Reads an optional finite number within [min, max]. */
export function readNumber(spec: ScorerSpec, key: string, fallback: number, range: { min: number; max: number }): number {
  const value = spec[key];
  if (value === undefined) return fallback;

  const inRange = typeof value === 'number' && Number.isFinite(value) && value >= range.min && value <= range.max;
  if (!inRange) {
    const shown = typeof value === 'number' ? String(value) : describeType(value);
    throw scorerConfigError(spec, `"${key}" must be a number from ${range.min} to ${range.max}, but it is ${shown}`);
  }

  return value;
}
