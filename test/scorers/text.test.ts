import { describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { createScorer } from '../../src/scorers/index.js';
import type { ScoreResult, ScorerSpec } from '../../src/scorers/scorer.js';
import { TemplateError } from '../../src/template.js';

const context = { baseDir: process.cwd(), readFile: (): string => '' };

async function score(spec: ScorerSpec, output: unknown, vars: Record<string, unknown> = {}): Promise<ScoreResult> {
  return createScorer(spec, context).score({ output, vars, id: 'case-1' });
}

describe('exact_match', () => {
  it('passes on equal text', async () => {
    const result = await score({ name: 'exact', type: 'exact_match', expected: '{{answer}}' }, '18', { answer: 18 });
    expect(result).toEqual({ score: 1, pass: true });
  });

  it('fails with a quoted reason', async () => {
    const result = await score({ name: 'exact', type: 'exact_match', expected: '{{answer}}' }, '17', { answer: '18' });
    expect(result.pass).toBe(false);
    expect(result.score).toBe(0);
    expect(result.reason).toBe('expected "18" but got "17"');
  });

  it('is strict without normalize', async () => {
    const result = await score({ name: 'exact', type: 'exact_match', expected: 'Paris' }, ' paris ');
    expect(result.pass).toBe(false);
  });

  it('applies every normalization', async () => {
    const spec = { name: 'exact', type: 'exact_match', expected: 'Café, au lait!', normalize: ['case', 'whitespace', 'punctuation', 'nfc'] };
    const decomposed = '  CAFE\u0301   au LAIT ';
    const result = await score(spec, decomposed);
    expect(result.pass).toBe(true);
  });

  it('normalizes only what is listed', async () => {
    const spec = { name: 'exact', type: 'exact_match', expected: 'hello world', normalize: ['whitespace'] };
    expect((await score(spec, '  hello \n world ')).pass).toBe(true);
    expect((await score(spec, 'Hello world')).pass).toBe(false);
  });

  it('compares objects as JSON text', async () => {
    const result = await score({ name: 'exact', type: 'exact_match', expected: '{"a":1}' }, { a: 1 });
    expect(result.pass).toBe(true);
  });

  it('treats null output as empty', async () => {
    expect((await score({ name: 'exact', type: 'exact_match', expected: '' }, null)).pass).toBe(true);
    expect((await score({ name: 'exact', type: 'exact_match', expected: 'x' }, null)).reason).toBe('expected "x" but got ""');
  });

  it('truncates long values in reasons', async () => {
    const result = await score({ name: 'exact', type: 'exact_match', expected: 'short' }, 'y'.repeat(500));
    expect(result.reason).toContain('…');
    expect(result.reason?.length).toBeLessThan(120);
  });

  it('throws TemplateError for missing fields', () => {
    const scorer = createScorer({ name: 'exact', type: 'exact_match', expected: '{{answer}}' }, context);
    expect(() => scorer.score({ output: 'x', vars: {}, id: '1' })).toThrow(TemplateError);
  });

  it('rejects unknown normalize steps', () => {
    const spec = { name: 'exact', type: 'exact_match', expected: 'x', normalize: ['case', 'stemming'] };
    expect(() => createScorer(spec, context)).toThrow(/scorer "exact" \(exact_match\): "normalize" must be a list of case, whitespace, punctuation, nfc/);
  });
});

describe('contains family', () => {
  it('contains is case-sensitive', async () => {
    const spec = { name: 'c', type: 'contains', value: '{{city}}' };
    expect((await score(spec, 'It is Paris.', { city: 'Paris' })).pass).toBe(true);
    const miss = await score(spec, 'It is paris.', { city: 'Paris' });
    expect(miss.pass).toBe(false);
    expect(miss.reason).toBe('output does not contain "Paris"');
  });

  it('icontains ignores case', async () => {
    const spec = { name: 'c', type: 'icontains', value: 'PARIS' };
    expect((await score(spec, 'it is paris')).pass).toBe(true);
    expect((await score(spec, 'it is rome')).pass).toBe(false);
  });

  it('fails on an empty value', async () => {
    const result = await score({ name: 'c', type: 'contains', value: '{{city}}' }, 'anything', { city: '' });
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/value to look for is empty/);
  });

  it('contains_all scores the share found', async () => {
    const spec = { name: 'all', type: 'contains_all', values: ['alpha', 'beta', '{{third}}', 'delta'] };
    const result = await score(spec, 'alpha and gamma', { third: 'gamma' });
    expect(result.score).toBe(0.5);
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('output is missing "beta", "delta"');
  });

  it('contains_all passes with all values', async () => {
    const spec = { name: 'all', type: 'contains_all', values: ['Alpha', 'BETA'], ignore_case: true };
    expect(await score(spec, 'alpha beta')).toEqual({ score: 1, pass: true });
  });

  it('contains_any needs one value', async () => {
    const spec = { name: 'any', type: 'contains_any', values: ['yes', 'Yes'] };
    expect((await score(spec, 'Yes, it is')).pass).toBe(true);
    const miss = await score(spec, 'YES');
    expect(miss.pass).toBe(false);
    expect(miss.reason).toMatch(/contains none of 2 values/);
    expect((await score({ ...spec, ignore_case: true }, 'YES')).pass).toBe(true);
  });

  it('starts_with checks the prefix', async () => {
    const spec = { name: 's', type: 'starts_with', value: '{{greeting}}' };
    expect((await score(spec, 'Hello there', { greeting: 'Hello' })).pass).toBe(true);
    const miss = await score(spec, 'Oh, Hello', { greeting: 'Hello' });
    expect(miss.pass).toBe(false);
    expect(miss.reason).toBe('expected output to start with "Hello" but got "Oh, Hello"');
  });

  it('rejects a non-list values parameter', () => {
    expect(() => createScorer({ name: 'all', type: 'contains_all', values: 'alpha' }, context)).toThrow(ProofgateError);
    expect(() => createScorer({ name: 'all', type: 'contains_all', values: [] }, context)).toThrow(/non-empty list of strings/);
  });
});

describe('regex', () => {
  it('matches with flags', async () => {
    const spec = { name: 'r', type: 'regex', pattern: '^answer: \\d+$', flags: 'im' };
    expect((await score(spec, 'intro\nANSWER: 42')).pass).toBe(true);
    const miss = await score(spec, 'answer: none');
    expect(miss.pass).toBe(false);
    expect(miss.reason).toBe('output "answer: none" does not match /^answer: \\d+$/im');
  });

  it('renders templates into the pattern', async () => {
    const spec = { name: 'r', type: 'regex', pattern: '\\b{{word}}\\b' };
    expect((await score(spec, 'a cat sat', { word: 'cat' })).pass).toBe(true);
    expect((await score(spec, 'concatenate', { word: 'cat' })).pass).toBe(false);
  });

  it('keeps no state across cases', async () => {
    const scorer = createScorer({ name: 'r', type: 'regex', pattern: 'ab' }, context);
    const results = [];
    for (let i = 0; i < 4; i += 1) results.push(await scorer.score({ output: 'xxab', vars: {}, id: String(i) }));
    expect(results.map((result) => result.pass)).toEqual([true, true, true, true]);
  });

  it('rejects g and y flags', () => {
    expect(() => createScorer({ name: 'r', type: 'regex', pattern: 'a', flags: 'g' }, context)).toThrow(/include g or y/);
    expect(() => createScorer({ name: 'r', type: 'regex', pattern: 'a', flags: 'iy' }, context)).toThrow(/include g or y/);
  });

  it('rejects unknown or repeated flags', () => {
    expect(() => createScorer({ name: 'r', type: 'regex', pattern: 'a', flags: 'x' }, context)).toThrow(/flags "x" are invalid/);
    expect(() => createScorer({ name: 'r', type: 'regex', pattern: 'a', flags: 'ii' }, context)).toThrow(/flags "ii" are invalid/);
  });

  it('rejects a pattern that does not compile', () => {
    const error = (() => {
      try {
        createScorer({ name: 'bad', type: 'regex', pattern: '(unclosed' }, context);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).code).toBe('CONFIG_INVALID');
    expect((error as ProofgateError).message).toMatch(/^scorer "bad" \(regex\): pattern \/\(unclosed\/ is not a valid regular expression/);
  });

  it('fails a case whose rendered pattern is invalid', async () => {
    const result = await score({ name: 'r', type: 'regex', pattern: '{{p}}' }, 'text', { p: '[' });
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/is not a valid regular expression/);
  });
});
