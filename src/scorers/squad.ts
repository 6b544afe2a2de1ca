// SQuAD-style scorers: token_f1 and squad_exact_match, each taking the best
// match over several expected answers.

import { renderValue, stringifyValue } from '../template.js';
import { readNumber, readStringOrList, type ScoreFunction, type ScorerDefinition } from './definition.js';
import { outputText, quote, squadNormalize, squadTokens } from './normalize.js';
import type { ScoreResult, ScorerSpec } from './scorer.js';

const DEFAULT_F1_THRESHOLD = 0.5;

const NO_EXPECTED: ScoreResult = { score: 0, pass: false, reason: 'the case has no expected answers (an empty list)' };

/**
 * Renders the expected answers. A template that is exactly one field holding a
 * list (SQuAD's answers column, say) expands to every item of the list.
 */
function renderAnswers(templates: readonly string[], vars: Record<string, unknown>): string[] {
  return templates.flatMap((template) => {
    const value = renderValue(template, vars);
    return Array.isArray(value) ? value.map(stringifyValue) : [stringifyValue(value)];
  });
}

function countTokens(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);

  return counts;
}

/**
 * Computes F1 over SQuAD-normalized tokens, counting repeated tokens as often
 * as both sides have them. When either side has no tokens, the score is 1 if
 * both are empty and 0 otherwise, as in the SQuAD 2.0 evaluation script.
 */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = squadTokens(prediction);
  const expected = squadTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;

  const expectedCounts = countTokens(expected);
  let common = 0;
  for (const [token, count] of countTokens(predicted)) common += Math.min(count, expectedCounts.get(token) ?? 0);
  if (common === 0) return 0;

  const precision = common / predicted.length;
  const recall = common / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

function createTokenF1(spec: ScorerSpec): ScoreFunction {
  const templates = readStringOrList(spec, 'expected');
  const threshold = readNumber(spec, 'threshold', DEFAULT_F1_THRESHOLD, { min: 0, max: 1 });

  return ({ output, vars }) => {
    const answers = renderAnswers(templates, vars);
    if (answers.length === 0) return NO_EXPECTED;

    const actual = outputText(output);
    let best = { score: -1, answer: '' };
    for (const answer of answers) {
      const score = tokenF1(actual, answer);
      if (score > best.score) best = { score, answer };
    }

    const pass = best.score >= threshold;
    const summary = `token F1 ${best.score.toFixed(3)} against ${quote(best.answer)}`;
    return { score: best.score, pass, reason: pass ? summary : `${summary} is below ${threshold}; got ${quote(actual)}` };
  };
}

function createSquadExactMatch(spec: ScorerSpec): ScoreFunction {
  const templates = readStringOrList(spec, 'expected');

  return ({ output, vars }) => {
    const answers = renderAnswers(templates, vars);
    if (answers.length === 0) return NO_EXPECTED;

    const actual = outputText(output);
    const normalized = squadNormalize(actual);
    const matched = answers.find((answer) => squadNormalize(answer) === normalized);
    if (matched !== undefined) return { score: 1, pass: true, reason: `output matches ${quote(matched)}` };

    const first = quote(answers[0] as string);
    const expected = answers.length === 1 ? first : `one of ${answers.length} answers such as ${first}`;
    return { score: 0, pass: false, reason: `expected ${expected} but got ${quote(actual)}` };
  };
}

export const SQUAD_SCORERS: Record<string, ScorerDefinition> = {
  token_f1: { templateParameters: ['expected'], create: createTokenF1 },
  squad_exact_match: { templateParameters: ['expected'], create: createSquadExactMatch },
};
