// The scorer registry: every scorer type by name, and the wrapper that gives
// each one its name, its negation and the reason rules of the Scorer interface.

import { ProofgateError } from '../errors.js';
import { templateFields } from '../template.js';
import { COMMAND_SCORERS } from './command.js';
import { readBoolean, type ScoreFunction, type ScorerDefinition } from './definition.js';
import { JSON_SCORERS } from './json.js';
import { NUMERIC_SCORERS } from './numeric.js';
import type { ScoreResult, Scorer, ScorerContext, ScorerSpec } from './scorer.js';
import { SIMILARITY_SCORERS } from './similarity.js';
import { SQUAD_SCORERS } from './squad.js';
import { TEXT_SCORERS } from './text.js';

const DEFINITIONS: Readonly<Record<string, ScorerDefinition>> = {
  ...TEXT_SCORERS,
  ...JSON_SCORERS,
  ...NUMERIC_SCORERS,
  ...SQUAD_SCORERS,
  ...SIMILARITY_SCORERS,
  ...COMMAND_SCORERS,
};

export const SCORER_TYPES: readonly string[] = Object.keys(DEFINITIONS);

function findDefinition(spec: ScorerSpec): ScorerDefinition {
  const definition = Object.hasOwn(DEFINITIONS, spec.type) ? DEFINITIONS[spec.type] : undefined;
  if (definition === undefined) {
    const message = `scorer "${spec.name}": unknown type "${spec.type}"; use one of ${SCORER_TYPES.join(', ')}`;
    throw new ProofgateError('CONFIG_INVALID', message);
  }

  return definition;
}

// A passing result keeps no reason, as the Scorer interface promises, and a
// failing one always has one.
function finish(type: string, result: ScoreResult): ScoreResult {
  if (result.pass) return { score: result.score, pass: true };

  const reason = result.reason ?? `${type} returned score ${result.score} without a reason`;
  return { score: result.score, pass: false, reason };
}

function finishNegated(type: string, result: ScoreResult): ScoreResult {
  if (!result.pass) return { score: 1 - result.score, pass: true };

  const detail = result.reason === undefined ? `${type} passed` : result.reason;
  return { score: 1 - result.score, pass: false, reason: `negated: ${detail}` };
}

function wrapScore(type: string, negate: boolean, score: ScoreFunction): Scorer['score'] {
  const complete = (result: ScoreResult): ScoreResult => (negate ? finishNegated(type, result) : finish(type, result));

  return (input) => {
    const result = score(input);
    return result instanceof Promise ? result.then(complete) : complete(result);
  };
}

/**
 * Builds a scorer from its pipeline.yaml entry. Checks what the schema cannot
 * (a regex compiles, a JSON Schema compiles, a program exists) and throws a
 * CONFIG_INVALID ProofgateError naming the scorer. With `negate: true` the
 * score becomes 1 - score, pass flips, and the reason starts with "negated:".
 */
export function createScorer(spec: ScorerSpec, context: ScorerContext): Scorer {
  const definition = findDefinition(spec);
  const negate = readBoolean(spec, 'negate', false);
  const score = wrapScore(spec.type, negate, definition.create(spec, context));

  return { name: spec.name, type: spec.type, score };
}

/** Lists the case fields that a scorer's templates use, so the loader can check every case before the run. */
export function scorerFields(spec: ScorerSpec): string[] {
  const definition = findDefinition(spec);
  const fields = new Set<string>();

  for (const parameter of definition.templateParameters) {
    const value = spec[parameter];
    const templates = Array.isArray(value) ? value : [value];
    for (const template of templates) {
      if (typeof template === 'string') templateFields(template).forEach((field) => fields.add(field));
    }
  }

  return [...fields];
}
