// JSON scorers: json_valid (the output parses) and json_schema (it also
// validates against a JSON Schema, compiled once per scorer with ajv).

import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { describeType, scorerConfigError, type ScoreFunction, type ScorerDefinition } from './definition.js';
import { quote } from './normalize.js';
import type { ScoreResult, ScorerContext, ScorerSpec } from './scorer.js';

const FILE_PREFIX = 'file:';

type ParsedOutput = { ok: true; value: unknown } | { ok: false; result: ScoreResult };

// ajv-formats is CommonJS, and TypeScript under NodeNext types its default
// import as the module object rather than the plugin function. So the function
// is taken from whichever shape the loader produced.
const addFormats = ((ajvFormats as unknown as { default?: unknown }).default ?? ajvFormats) as unknown as (ajv: Ajv) => Ajv;

/**
 * Reads the output as JSON. A string is parsed, and any other value already
 * came from a target that returned JSON. A null or missing output fails,
 * because it means the target produced nothing.
 */
function parseOutput(output: unknown): ParsedOutput {
  if (output === null || output === undefined) {
    return { ok: false, result: { score: 0, pass: false, reason: 'output is empty (null)' } };
  }

  if (typeof output !== 'string') return { ok: true, value: output };

  try {
    return { ok: true, value: JSON.parse(output) as unknown };
  } catch (error) {
    const reason = `output is not valid JSON (${(error as Error).message}): ${quote(output)}`;
    return { ok: false, result: { score: 0, pass: false, reason } };
  }
}

function createJsonValid(): ScoreFunction {
  return ({ output }) => {
    const parsed = parseOutput(output);
    if (!parsed.ok) return parsed.result;

    return { score: 1, pass: true, reason: 'output is valid JSON' };
  };
}

function loadSchema(spec: ScorerSpec, context: ScorerContext): AnySchemaObject {
  const value = spec.schema;
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isObject) return value as AnySchemaObject;

  if (typeof value !== 'string' || !value.startsWith(FILE_PREFIX)) {
    const expected = '"schema" must be a JSON Schema object or "file:path/to/schema.json"';
    throw scorerConfigError(spec, `${expected}, but it is ${describeType(value)}`);
  }

  // readFile throws its own errors (file missing, outside the project), so only parsing is wrapped here.
  const text = context.readFile(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw scorerConfigError(spec, `schema file ${value} is not valid JSON: ${(error as Error).message}`, error);
  }

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw scorerConfigError(spec, `schema file ${value} must contain a JSON object, but it contains ${describeType(parsed)}`);
  }

  return parsed as AnySchemaObject;
}

// The schema's own $schema picks the draft. Without one, ajv's default (draft-07) applies.
function createAjv(schema: AnySchemaObject): Ajv {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';

  // strict off: user schemas often carry extra keywords (examples, titles of
  // their own), and strict mode would reject them or log warnings.
  const options = { allErrors: false, strict: false, logger: false as const };
  if (dialect.includes('2020-12')) return addFormats(new Ajv2020(options) as unknown as Ajv);
  if (dialect.includes('2019-09')) return addFormats(new Ajv2019(options) as unknown as Ajv);

  return addFormats(new Ajv(options));
}

function compileSchema(spec: ScorerSpec, context: ScorerContext): ValidateFunction {
  const schema = loadSchema(spec, context);
  try {
    return createAjv(schema).compile(schema);
  } catch (error) {
    throw scorerConfigError(spec, `the JSON Schema does not compile: ${(error as Error).message}`, error);
  }
}

function createJsonSchema(spec: ScorerSpec, context: ScorerContext): ScoreFunction {
  const validate = compileSchema(spec, context);

  return ({ output }) => {
    const parsed = parseOutput(output);
    if (!parsed.ok) return parsed.result;

    if (validate(parsed.value)) return { score: 1, pass: true, reason: 'output matches the JSON Schema' };

    const first = validate.errors?.[0];
    const where = first?.instancePath ? first.instancePath : '(root)';
    const message = first?.message ?? 'is invalid';
    return { score: 0, pass: false, reason: `output does not match the JSON Schema: ${where} ${message}` };
  };
}

export const JSON_SCORERS: Record<string, ScorerDefinition> = {
  json_valid: { templateParameters: [], create: createJsonValid },
  json_schema: { templateParameters: [], create: createJsonSchema },
};
