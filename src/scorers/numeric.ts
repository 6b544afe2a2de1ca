// numeric_match: the output's number equals the expected number within an
// absolute tolerance.

import { hasPlaceholders, renderValue } from '../template.js';
import { readNumber, scorerConfigError, type ScoreFunction, type ScorerDefinition } from './definition.js';
import { outputText, quote } from './normalize.js';
import type { ScoreResult, ScorerSpec } from './scorer.js';

const DEFAULT_TOLERANCE = 1e-6;

// Digits with optional thousands separators (1,234,567), decimals and an
// exponent. The (?!\d) stops "12,3456" from reading as 12,345 then 6.
const NUMBER_BODY = String.raw`(?:(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?`;

// U+2212 is the typographic minus sign that some models write.
const SIGN = '[-+\u2212]';

const WHOLE_NUMBER = new RegExp(`^${SIGN}?${NUMBER_BODY}$`);

// A sign counts only where it cannot be a hyphen ("10-20" gives 10 and 20, not
// -20), and a number never starts inside another one ("1.2.5" gives 1.2).
const NUMBER_IN_TEXT = new RegExp(`(?:(?<![\\w.])${SIGN})?(?<![\\d.])${NUMBER_BODY}`, 'g');

function toNumber(text: string): number {
  return Number(text.replace(/,/g, '').replace('\u2212', '-'));
}

/** Parses text that is a number and nothing else (surrounding whitespace allowed); undefined otherwise. */
export function parseWholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!WHOLE_NUMBER.test(trimmed)) return undefined;

  const value = toNumber(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Reads the number in an output: a number as is, text that is a number, else
 * the last number in the text. Returns undefined when there is none.
 */
export function extractNumber(output: unknown): number | undefined {
  if (typeof output === 'number') return Number.isFinite(output) ? output : undefined;
  if (output === null || output === undefined) return undefined;

  const text = outputText(output);
  const whole = parseWholeNumber(text);
  if (whole !== undefined) return whole;

  let last: string | undefined;
  for (const match of text.matchAll(NUMBER_IN_TEXT)) last = match[0];
  if (last === undefined) return undefined;

  const value = toNumber(last);
  return Number.isFinite(value) ? value : undefined;
}

// Decimal inputs such as 1.1 - 1.0 differ from the exact difference by a few
// units in the last place, so a boundary value would fail an exact comparison.
function withinTolerance(actual: number, expected: number, tolerance: number): boolean {
  const rounding = 4 * Number.EPSILON * Math.max(Math.abs(actual), Math.abs(expected));
  return Math.abs(actual - expected) <= tolerance + rounding;
}

function readExpected(spec: ScorerSpec): number | string {
  const value = spec.expected;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') {
    throw scorerConfigError(spec, `"expected" must be a number or a template such as "{{answer}}"`);
  }

  if (hasPlaceholders(value)) return value;

  const literal = parseWholeNumber(value);
  if (literal === undefined) throw scorerConfigError(spec, `"expected" ${quote(value)} is not a number`);
  return literal;
}

// A value that is not a number fails the case instead of stopping the run,
// because it is one bad row in the dataset.
function renderExpected(expected: number | string, vars: Record<string, unknown>): number | ScoreResult {
  if (typeof expected === 'number') return expected;

  const value = renderValue(expected, vars);
  if (typeof value === 'number' && Number.isFinite(value)) return value;

  const parsed = typeof value === 'string' ? parseWholeNumber(value) : undefined;
  if (parsed !== undefined) return parsed;

  return { score: 0, pass: false, reason: `expected value ${quote(outputText(value))} is not a number` };
}

function createNumericMatch(spec: ScorerSpec): ScoreFunction {
  const expectedParameter = readExpected(spec);
  const tolerance = readNumber(spec, 'tolerance', DEFAULT_TOLERANCE, { min: 0, max: Number.MAX_VALUE });

  return ({ output, vars }) => {
    const expected = renderExpected(expectedParameter, vars);
    if (typeof expected !== 'number') return expected;

    const actual = extractNumber(output);
    if (actual === undefined) {
      const isEmpty = output === null || output === undefined;
      const got = isEmpty ? 'the output is empty (null)' : `the output has no number: ${quote(outputText(output))}`;
      return { score: 0, pass: false, reason: `expected ${expected} but ${got}` };
    }

    const pass = withinTolerance(actual, expected, tolerance);
    if (pass) return { score: 1, pass, reason: `got ${actual}, within ±${tolerance} of ${expected}` };

    return { score: 0, pass, reason: `expected ${expected} (±${tolerance}) but got ${actual}` };
  };
}

export const NUMERIC_SCORERS: Record<string, ScorerDefinition> = {
  numeric_match: { templateParameters: ['expected'], create: createNumericMatch },
};
