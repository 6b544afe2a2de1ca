import { describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { createScorer } from '../../src/scorers/index.js';
import type { ScoreResult, ScorerContext, ScorerSpec } from '../../src/scorers/scorer.js';

const files: Record<string, string> = {
  'file:schemas/answer.json': JSON.stringify({
    type: 'object',
    required: ['answer'],
    properties: { answer: { type: 'integer' }, email: { type: 'string', format: 'email' } },
  }),
  'file:schemas/broken.json': '{ not json',
};

const context: ScorerContext = {
  baseDir: process.cwd(),
  readFile: (reference) => {
    const text = files[reference];
    if (text === undefined) throw new ProofgateError('CONFIG_NOT_FOUND', `no file ${reference}`);
    return text;
  },
};

async function score(spec: ScorerSpec, output: unknown): Promise<ScoreResult> {
  return createScorer(spec, context).score({ output, vars: {}, id: 'c1' });
}

describe('json_valid', () => {
  const spec = { name: 'valid', type: 'json_valid' };

  it('accepts JSON text', async () => {
    expect(await score(spec, ' {"a": [1, 2]} ')).toEqual({ score: 1, pass: true });
    expect((await score(spec, '42')).pass).toBe(true);
  });

  it('accepts an already parsed value', async () => {
    expect((await score(spec, { a: 1 })).pass).toBe(true);
  });

  it('rejects broken JSON', async () => {
    const result = await score(spec, '{"a": 1,}');
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/^output is not valid JSON \(.+\): "\{\\"a\\": 1,\}"$/);
  });

  it('rejects null output', async () => {
    const result = await score(spec, null);
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('output is empty (null)');
  });
});

describe('json_schema', () => {
  it('validates an inline schema', async () => {
    const spec = { name: 'shape', type: 'json_schema', schema: { type: 'object', required: ['ok'] } };
    expect((await score(spec, '{"ok": true}')).pass).toBe(true);
    const miss = await score(spec, '{}');
    expect(miss.pass).toBe(false);
    expect(miss.reason).toBe("output does not match the JSON Schema: (root) must have required property 'ok'");
  });

  it('loads a file schema', async () => {
    const spec = { name: 'shape', type: 'json_schema', schema: 'file:schemas/answer.json' };
    expect((await score(spec, '{"answer": 3}')).pass).toBe(true);
    const wrong = await score(spec, '{"answer": "three"}');
    expect(wrong.reason).toBe('output does not match the JSON Schema: /answer must be integer');
  });

  it('checks formats', async () => {
    const spec = { name: 'shape', type: 'json_schema', schema: 'file:schemas/answer.json' };
    expect((await score(spec, { answer: 1, email: 'a@example.com' })).pass).toBe(true);
    const bad = await score(spec, { answer: 1, email: 'not an email' });
    expect(bad.reason).toBe('output does not match the JSON Schema: /email must match format "email"');
  });

  it('honours a 2020-12 dialect', async () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }],
      items: false,
    };
    const spec = { name: 'tuple', type: 'json_schema', schema };
    expect((await score(spec, '["a"]')).pass).toBe(true);
    expect((await score(spec, '["a", 2]')).pass).toBe(false);
  });

  it('rejects a schema that does not compile', () => {
    const spec = { name: 'shape', type: 'json_schema', schema: { type: 'no-such-type' } };
    expect(() => createScorer(spec, context)).toThrow(/^scorer "shape" \(json_schema\): the JSON Schema does not compile/);
  });

  it('rejects a schema file that is not JSON', () => {
    const spec = { name: 'shape', type: 'json_schema', schema: 'file:schemas/broken.json' };
    expect(() => createScorer(spec, context)).toThrow(/schema file file:schemas\/broken.json is not valid JSON/);
  });

  it('passes readFile errors through', () => {
    const spec = { name: 'shape', type: 'json_schema', schema: 'file:missing.json' };
    expect(() => createScorer(spec, context)).toThrow(/no file file:missing.json/);
  });

  it('rejects a schema of the wrong type', () => {
    const spec = { name: 'shape', type: 'json_schema', schema: 'schemas/answer.json' };
    expect(() => createScorer(spec, context)).toThrow(/"schema" must be a JSON Schema object or "file:path\/to\/schema.json"/);
  });
});
