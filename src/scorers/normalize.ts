// Text handling shared by the scorers: turning an output into text, the
// exact_match normalizations, SQuAD answer normalization, and quoting values
// in reasons.

import { stringifyValue } from '../template.js';

export type NormalizeStep = 'case' | 'whitespace' | 'punctuation' | 'nfc';

export const NORMALIZE_STEPS: readonly NormalizeStep[] = ['case', 'whitespace', 'punctuation', 'nfc'];

const MAX_QUOTED_LENGTH = 80;

/** Converts an output to the text scorers compare: strings as is, null as "", other values as JSON. */
export function outputText(output: unknown): string {
  return stringifyValue(output);
}

/**
 * Applies the chosen normalizations in a fixed order, whatever order the list
 * has: NFC first so that the later steps see composed characters, whitespace
 * last so that the gaps left by dropped punctuation collapse too.
 */
export function normalizeText(text: string, steps: ReadonlySet<NormalizeStep>): string {
  let result = text;
  if (steps.has('nfc')) result = result.normalize('NFC');
  if (steps.has('case')) result = result.toLowerCase();

  // \p{P} is Unicode punctuation. Symbols such as $, + and © are \p{S} and stay.
  if (steps.has('punctuation')) result = result.replace(/\p{P}/gu, '');
  if (steps.has('whitespace')) result = result.trim().replace(/\s+/g, ' ');

  return result;
}

// ASCII punctuation, the same 32 characters as Python's string.punctuation.
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

// Python's \b is Unicode-aware while JavaScript's is ASCII-only, so the word
// boundary is spelled out with Unicode classes.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/**
 * Normalizes an answer the way the official SQuAD evaluation script does:
 * lower-case, drop ASCII punctuation, drop the articles a/an/the, then
 * collapse whitespace.
 */
export function squadNormalize(text: string): string {
  const lowered = text.toLowerCase();
  const withoutPunctuation = lowered.replace(ASCII_PUNCTUATION, '');
  const withoutArticles = withoutPunctuation.replace(ARTICLES, ' ');

  return withoutArticles.trim().split(/\s+/).filter(Boolean).join(' ');
}

/** Splits a SQuAD-normalized answer into its tokens. */
export function squadTokens(text: string): string[] {
  const normalized = squadNormalize(text);
  return normalized === '' ? [] : normalized.split(' ');
}

/** Quotes a value for a reason, cut to about 80 characters so reports stay readable. */
export function quote(text: string): string {
  if (text.length <= MAX_QUOTED_LENGTH) return JSON.stringify(text);

  // Iterating by code point never splits a surrogate pair.
  let head = '';
  let count = 0;
  for (const char of text) {
    if (count === MAX_QUOTED_LENGTH - 1) break;
    head += char;
    count += 1;
  }

  return JSON.stringify(`${head}…`);
}
