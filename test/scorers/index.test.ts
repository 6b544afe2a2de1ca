import { describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { SCORER_TYPES, createScorer, scorerFields } from '../../src/scorers/index.js';

const context = { baseDir: process.cwd(), readFile: (): string => '' };

describe('scorer registry', () => {
  it('lists every scorer type', () => {
    expect([...SCORER_TYPES].sort()).toEqual(
      [
        'command',
        'contains',
        'contains_all',
        'contains_any',
        'exact_match',
        'icontains',
        'json_schema',
        'json_valid',
        'levenshtein',
        'numeric_match',
        'regex',
        'squad_exact_match',
        'starts_with',
        'token_f1',
      ].sort(),
    );
  });

  it('rejects an unknown type', () => {
    let error: unknown;
    try {
      createScorer({ name: 'judge', type: 'llm_rubric' }, context);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).code).toBe('CONFIG_INVALID');
    expect((error as ProofgateError).message).toMatch(/^scorer "judge": unknown type "llm_rubric"; use one of exact_match, /);
  });

  it('does not treat prototype keys as types', () => {
    expect(() => createScorer({ name: 'x', type: 'toString' }, context)).toThrow(/unknown type "toString"/);
  });

  it('keeps name and type', () => {
    const scorer = createScorer({ name: 'exact', type: 'exact_match', expected: 'a' }, context);
    expect(scorer.name).toBe('exact');
    expect(scorer.type).toBe('exact_match');
  });

  it('rejects a non-boolean negate', () => {
    expect(() => createScorer({ name: 'x', type: 'json_valid', negate: 'yes' as unknown as boolean }, context)).toThrow(
      /"negate" must be true or false/,
    );
  });

  it('rejects a missing template parameter', () => {
    expect(() => createScorer({ name: 'exact', type: 'exact_match' }, context)).toThrow(
      'scorer "exact" (exact_match): "expected" must be a string, but it is missing; set it in the scorers list of pipeline.yaml',
    );
  });
});

describe('negation', () => {
  it('fails when the inner scorer passes', async () => {
    const scorer = createScorer({ name: 'no_apology', type: 'icontains', value: 'sorry', negate: true }, context);
    const result = await scorer.score({ output: 'Sorry, I cannot help.', vars: {}, id: '1' });
    expect(result).toEqual({ score: 0, pass: false, reason: 'negated: output contains "sorry"' });
  });

  it('passes when the inner scorer fails', async () => {
    const scorer = createScorer({ name: 'no_apology', type: 'icontains', value: 'sorry', negate: true }, context);
    expect(await scorer.score({ output: 'Here is the answer.', vars: {}, id: '1' })).toEqual({ score: 1, pass: true });
  });

  it('inverts fractional scores', async () => {
    const spec = { name: 'not_all', type: 'contains_all', values: ['a', 'b', 'c', 'd'], negate: true };
    const result = await createScorer(spec, context).score({ output: 'a b c', vars: {}, id: '1' });
    expect(result.score).toBe(0.25);
    expect(result.pass).toBe(true);
  });

  it('reports what the inner scorer found', async () => {
    const scorer = createScorer({ name: 'invalid', type: 'json_valid', negate: true }, context);
    const result = await scorer.score({ output: '{}', vars: {}, id: '1' });
    expect(result.reason).toBe('negated: output is valid JSON');
  });
});

describe('scorerFields', () => {
  it('collects fields from templates', () => {
    expect(scorerFields({ name: 'e', type: 'exact_match', expected: '{{answer}} ({{meta.unit}})' })).toEqual(['answer', 'meta.unit']);
  });

  it('collects fields from lists', () => {
    const spec = { name: 'all', type: 'contains_all', values: ['{{a}}', 'fixed', '{{b}}', '{{a}}'] };
    expect(scorerFields(spec)).toEqual(['a', 'b']);
  });

  it('ignores numbers and non-template types', () => {
    expect(scorerFields({ name: 'n', type: 'numeric_match', expected: 3 })).toEqual([]);
    expect(scorerFields({ name: 'j', type: 'json_valid' })).toEqual([]);
    expect(scorerFields({ name: 'c', type: 'command', command: ['judge', '{{x}}'] })).toEqual([]);
  });

  it('covers every templated type', () => {
    expect(scorerFields({ name: 'r', type: 'regex', pattern: '^{{p}}$' })).toEqual(['p']);
    expect(scorerFields({ name: 'f', type: 'token_f1', expected: ['{{x}}', '{{y}}'] })).toEqual(['x', 'y']);
    expect(scorerFields({ name: 'l', type: 'levenshtein', expected: '{{z}}' })).toEqual(['z']);
    expect(scorerFields({ name: 'n', type: 'numeric_match', expected: '{{answer}}' })).toEqual(['answer']);
    expect(scorerFields({ name: 's', type: 'starts_with', value: '{{v}}' })).toEqual(['v']);
  });
});
