import { describe, expect, it } from 'vitest';
import { createScorer } from '../../src/scorers/index.js';
import type { ScoreResult, ScorerSpec } from '../../src/scorers/scorer.js';
import { levenshteinSimilarity } from '../../src/scorers/similarity.js';

const context = { baseDir: process.cwd(), readFile: (): string => '' };

async function score(spec: ScorerSpec, output: unknown, vars: Record<string, unknown> = {}): Promise<ScoreResult> {
  return createScorer(spec, context).score({ output, vars, id: 'c1' });
}

describe('levenshteinSimilarity', () => {
  it('normalizes by the longer string', () => {
    // kitten -> sitting takes 3 edits; the longer string has 7 characters
    expect(levenshteinSimilarity('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7, 12);
  });

  it('treats two empty strings as equal', () => {
    expect(levenshteinSimilarity('', '')).toBe(1);
    expect(levenshteinSimilarity('', 'abc')).toBe(0);
  });
});

describe('levenshtein', () => {
  it('passes at the default threshold', async () => {
    // one substitution in 10 characters: similarity 0.9
    const result = await score({ name: 'lev', type: 'levenshtein', expected: '{{name}}' }, 'Washingtan', { name: 'Washington' });
    expect(result).toEqual({ score: 0.9, pass: true });
  });

  it('fails below the threshold', async () => {
    const result = await score({ name: 'lev', type: 'levenshtein', expected: 'sitting', threshold: 0.6 }, 'kitten');
    expect(result.pass).toBe(false);
    expect(result.score).toBeCloseTo(4 / 7, 12);
    expect(result.reason).toBe('similarity 0.571 to "sitting" is below 0.6; got "kitten"');
  });
});
