import { describe, expect, it } from 'vitest';
import { createScorer } from '../../src/scorers/index.js';
import { extractNumber, parseWholeNumber } from '../../src/scorers/numeric.js';
import type { ScoreResult, ScorerSpec } from '../../src/scorers/scorer.js';

const context = { baseDir: process.cwd(), readFile: (): string => '' };

async function score(spec: ScorerSpec, output: unknown, vars: Record<string, unknown> = {}): Promise<ScoreResult> {
  return createScorer(spec, context).score({ output, vars, id: 'c1' });
}

describe('extractNumber', () => {
  it('uses numbers directly', () => {
    expect(extractNumber(42.5)).toBe(42.5);
    expect(extractNumber(Number.NaN)).toBeUndefined();
  });

  it('parses whole-number text', () => {
    expect(extractNumber(' -1,234.5e2 ')).toBe(-123450);
    expect(extractNumber('.5')).toBe(0.5);
  });

  it('takes the last number in text', () => {
    expect(extractNumber('The answer is 1,234.5.')).toBe(1234.5);
    expect(extractNumber('Between 3 and 4, I pick 7')).toBe(7);
    expect(extractNumber('It dropped to -12 degrees')).toBe(-12);
    expect(extractNumber('about 6.02e23 atoms')).toBe(6.02e23);
  });

  it('reads hyphens as ranges, not signs', () => {
    expect(extractNumber('pages 10-20')).toBe(20);
  });

  it('does not start inside a number', () => {
    expect(extractNumber('version 1.2.5')).toBe(1.2);
    expect(extractNumber('12,3456')).toBe(3456);
  });

  it('finds nothing in plain words', () => {
    expect(extractNumber('no idea')).toBeUndefined();
    expect(extractNumber(null)).toBeUndefined();
    expect(extractNumber(undefined)).toBeUndefined();
  });

  it('reads whole numbers only', () => {
    expect(parseWholeNumber('1,000')).toBe(1000);
    expect(parseWholeNumber('\u221242')).toBe(-42);
    expect(parseWholeNumber('42 apples')).toBeUndefined();
    expect(parseWholeNumber('1e999')).toBeUndefined();
  });
});

describe('numeric_match', () => {
  it('passes within the default tolerance', async () => {
    const spec = { name: 'num', type: 'numeric_match', expected: '{{answer}}' };
    expect(await score(spec, 'The total is 0.30000000000000004', { answer: 0.3 })).toEqual({ score: 1, pass: true });
  });

  it('fails outside the default tolerance', async () => {
    const spec = { name: 'num', type: 'numeric_match', expected: 267 };
    const result = await score(spec, 266.6666666666667);
    expect(result.pass).toBe(false);
    expect(result.score).toBe(0);
    expect(result.reason).toBe('expected 267 (±0.000001) but got 266.6666666666667');
  });

  it('applies an explicit tolerance', async () => {
    const spec = { name: 'num', type: 'numeric_match', expected: 267, tolerance: 0.5 };
    expect((await score(spec, 266.6666666666667)).pass).toBe(true);
  });

  it('includes the tolerance boundary', async () => {
    const spec = { name: 'num', type: 'numeric_match', expected: 1.0, tolerance: 0.1 };
    expect((await score(spec, '1.1')).pass).toBe(true);
    expect((await score(spec, '1.1000001')).pass).toBe(false);
  });

  it('reads numbers from sentences', async () => {
    const spec = { name: 'num', type: 'numeric_match', expected: '{{answer}}' };
    expect((await score(spec, 'The answer is 1,234.5.', { answer: '1234.5' })).pass).toBe(true);
  });

  it('fails null output with a reason', async () => {
    const result = await score({ name: 'num', type: 'numeric_match', expected: 3 }, null);
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('expected 3 but the output is empty (null)');
  });

  it('fails text without a number', async () => {
    const result = await score({ name: 'num', type: 'numeric_match', expected: 3 }, 'three');
    expect(result.reason).toBe('expected 3 but the output has no number: "three"');
  });

  it('fails a non-numeric expected field', async () => {
    const result = await score({ name: 'num', type: 'numeric_match', expected: '{{answer}}' }, '3', { answer: 'three' });
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('expected value "three" is not a number');
  });

  it('rejects a non-numeric literal', () => {
    expect(() => createScorer({ name: 'num', type: 'numeric_match', expected: 'three' }, context)).toThrow(
      /^scorer "num" \(numeric_match\): "expected" "three" is not a number/,
    );
  });

  it('rejects a negative tolerance', () => {
    const spec = { name: 'num', type: 'numeric_match', expected: 1, tolerance: -1 };
    expect(() => createScorer(spec, context)).toThrow(/"tolerance" must be a number from 0/);
  });
});
