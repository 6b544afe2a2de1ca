// levenshtein: normalized edit-distance similarity between output and expected text.

import { distance } from 'fastest-levenshtein';
import { renderTemplate } from '../template.js';
import { readNumber, readString, type ScoreFunction, type ScorerDefinition } from './definition.js';
import { outputText, quote } from './normalize.js';
import type { ScorerSpec } from './scorer.js';

const DEFAULT_SIMILARITY_THRESHOLD = 0.8;

/**
 * Computes 1 - distance / max(length), so 1 means equal and 0 means nothing in
 * common. Two empty strings are equal. Lengths and edits count UTF-16 code
 * units, as fastest-levenshtein does, so a character outside the BMP (most
 * emoji) counts as two.
 */
export function levenshteinSimilarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 1;

  return 1 - distance(a, b) / longest;
}

function createLevenshtein(spec: ScorerSpec): ScoreFunction {
  const template = readString(spec, 'expected');
  const threshold = readNumber(spec, 'threshold', DEFAULT_SIMILARITY_THRESHOLD, { min: 0, max: 1 });

  return ({ output, vars }) => {
    const expected = renderTemplate(template, vars);
    const actual = outputText(output);
    const score = levenshteinSimilarity(actual, expected);

    const pass = score >= threshold;
    const summary = `similarity ${score.toFixed(3)} to ${quote(expected)}`;
    return { score, pass, reason: pass ? summary : `${summary} is below ${threshold}; got ${quote(actual)}` };
  };
}

export const SIMILARITY_SCORERS: Record<string, ScorerDefinition> = {
  levenshtein: { templateParameters: ['expected'], create: createLevenshtein },
};
