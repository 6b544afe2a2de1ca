// String scorers: exact_match, contains, icontains, contains_all, contains_any,
// starts_with and regex.

import { hasPlaceholders, renderTemplate } from '../template.js';
import {
  readBoolean,
  readString,
  readStringList,
  scorerConfigError,
  type ScoreFunction,
  type ScorerDefinition,
} from './definition.js';
import { NORMALIZE_STEPS, normalizeText, outputText, quote, type NormalizeStep } from './normalize.js';
import type { ScoreResult, ScorerSpec } from './scorer.js';

const REGEX_FLAGS = 'imsu';

function verdict(pass: boolean, reason: string): ScoreResult {
  return { score: pass ? 1 : 0, pass, reason };
}

// An empty search value is found in every output and would pass any case.
// It can only come from an empty field in the dataset, so the case fails.
function emptyValueResult(template: string): ScoreResult {
  return { score: 0, pass: false, reason: `the value to look for is empty (template ${quote(template)})` };
}

function readNormalizeSteps(spec: ScorerSpec): Set<NormalizeStep> {
  const value = spec.normalize;
  if (value === undefined) return new Set();

  const allowed = NORMALIZE_STEPS as readonly unknown[];
  if (!Array.isArray(value) || !value.every((step) => allowed.includes(step))) {
    throw scorerConfigError(spec, `"normalize" must be a list of ${NORMALIZE_STEPS.join(', ')}; got ${JSON.stringify(value)}`);
  }

  return new Set(value as NormalizeStep[]);
}

function createExactMatch(spec: ScorerSpec): ScoreFunction {
  const template = readString(spec, 'expected');
  const steps = readNormalizeSteps(spec);

  return ({ output, vars }) => {
    const expected = renderTemplate(template, vars);
    const actual = outputText(output);
    const pass = normalizeText(actual, steps) === normalizeText(expected, steps);

    return verdict(pass, pass ? `output equals ${quote(expected)}` : `expected ${quote(expected)} but got ${quote(actual)}`);
  };
}

function createContains(spec: ScorerSpec, ignoreCase: boolean): ScoreFunction {
  const template = readString(spec, 'value');
  const fold = (text: string): string => (ignoreCase ? text.toLowerCase() : text);

  return ({ output, vars }) => {
    const value = renderTemplate(template, vars);
    if (value === '') return emptyValueResult(template);

    const pass = fold(outputText(output)).includes(fold(value));
    return verdict(pass, pass ? `output contains ${quote(value)}` : `output does not contain ${quote(value)}`);
  };
}

function createStartsWith(spec: ScorerSpec): ScoreFunction {
  const template = readString(spec, 'value');

  return ({ output, vars }) => {
    const value = renderTemplate(template, vars);
    if (value === '') return emptyValueResult(template);

    const actual = outputText(output);
    const pass = actual.startsWith(value);
    if (pass) return verdict(true, `output starts with ${quote(value)}`);

    return verdict(false, `expected output to start with ${quote(value)} but got ${quote(actual)}`);
  };
}

/** The `values` and `ignore_case` parameters that contains_all and contains_any share. */
function readValueList(spec: ScorerSpec): { templates: string[]; fold: (text: string) => string } {
  const templates = readStringList(spec, 'values');
  const ignoreCase = readBoolean(spec, 'ignore_case', false);
  return { templates, fold: (text) => (ignoreCase ? text.toLowerCase() : text) };
}

/** Renders every value for the case; an empty one gives the failing result instead, because it would match any output. */
function renderValueList(templates: readonly string[], vars: Record<string, unknown>): string[] | ScoreResult {
  const values = templates.map((template) => renderTemplate(template, vars));
  const emptyIndex = values.indexOf('');
  return emptyIndex >= 0 ? emptyValueResult(templates[emptyIndex] as string) : values;
}

/** Score is the share of values found, so a partial output still moves mean(). A pass needs all of them. */
function createContainsAll(spec: ScorerSpec): ScoreFunction {
  const { templates, fold } = readValueList(spec);

  return ({ output, vars }) => {
    const values = renderValueList(templates, vars);
    if (!Array.isArray(values)) return values;

    const text = fold(outputText(output));
    const missing = values.filter((value) => !text.includes(fold(value)));
    const score = (values.length - missing.length) / values.length;
    if (missing.length === 0) return { score, pass: true, reason: `output contains all ${values.length} values` };

    const listed = missing.slice(0, 3).map(quote).join(', ');
    const more = missing.length > 3 ? ` and ${missing.length - 3} more` : '';
    return { score, pass: false, reason: `output is missing ${listed}${more}` };
  };
}

function createContainsAny(spec: ScorerSpec): ScoreFunction {
  const { templates, fold } = readValueList(spec);

  return ({ output, vars }) => {
    const values = renderValueList(templates, vars);
    if (!Array.isArray(values)) return values;

    const text = fold(outputText(output));
    const found = values.find((value) => text.includes(fold(value)));
    if (found !== undefined) return verdict(true, `output contains ${quote(found)}`);

    return verdict(false, `output contains none of ${values.length} values, e.g. ${quote(values[0] as string)}`);
  };
}

function readRegexFlags(spec: ScorerSpec): string {
  const flags = spec.flags === undefined ? '' : readString(spec, 'flags');
  if (/[gy]/.test(flags)) {
    const why = 'which carry lastIndex from one case to the next';
    throw scorerConfigError(spec, `flags "${flags}" include g or y, ${why}; use only ${REGEX_FLAGS}`);
  }

  const valid = [...flags].every((flag) => REGEX_FLAGS.includes(flag)) && new Set(flags).size === flags.length;
  if (!valid) {
    throw scorerConfigError(spec, `flags "${flags}" are invalid; use each of ${REGEX_FLAGS} at most once`);
  }

  return flags;
}

/**
 * Field values are spliced into the pattern as written, not escaped, so a
 * dataset column can hold a pattern of its own. A pattern with placeholders is
 * compiled per case, and one that does not compile fails that case.
 */
function createRegex(spec: ScorerSpec): ScoreFunction {
  const template = readString(spec, 'pattern');
  const flags = readRegexFlags(spec);
  if (!hasPlaceholders(template)) {
    try {
      new RegExp(template, flags);
    } catch (error) {
      const message = `pattern /${template}/ is not a valid regular expression: ${(error as Error).message}`;
      throw scorerConfigError(spec, message, error);
    }
  }

  return ({ output, vars }) => {
    const pattern = renderTemplate(template, vars);
    let regex: RegExp;
    try {
      // A fresh RegExp per case, so no state can leak between cases.
      regex = new RegExp(pattern, flags);
    } catch (error) {
      return verdict(false, `pattern ${quote(pattern)} is not a valid regular expression: ${(error as Error).message}`);
    }

    const actual = outputText(output);
    const match = regex.exec(actual);
    if (match) return verdict(true, `output matches /${pattern}/${flags} at ${quote(match[0])}`);

    return verdict(false, `output ${quote(actual)} does not match /${pattern}/${flags}`);
  };
}

export const TEXT_SCORERS: Record<string, ScorerDefinition> = {
  exact_match: { templateParameters: ['expected'], create: createExactMatch },
  contains: { templateParameters: ['value'], create: (spec) => createContains(spec, false) },
  icontains: { templateParameters: ['value'], create: (spec) => createContains(spec, true) },
  contains_all: { templateParameters: ['values'], create: createContainsAll },
  contains_any: { templateParameters: ['values'], create: createContainsAny },
  starts_with: { templateParameters: ['value'], create: createStartsWith },
  regex: { templateParameters: ['pattern'], create: createRegex },
};
