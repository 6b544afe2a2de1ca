import { describe, expect, it } from 'vitest';
import { createScorer } from '../../src/scorers/index.js';
import type { ScoreResult, ScorerSpec } from '../../src/scorers/scorer.js';
import { tokenF1 } from '../../src/scorers/squad.js';

const context = { baseDir: process.cwd(), readFile: (): string => '' };

async function score(spec: ScorerSpec, output: unknown, vars: Record<string, unknown> = {}): Promise<ScoreResult> {
  return createScorer(spec, context).score({ output, vars, id: 'c1' });
}

describe('tokenF1', () => {
  it('computes precision and recall', () => {
    // prediction tokens: eiffel tower in paris (4); reference: eiffel tower (2); common 2
    // precision 2/4, recall 2/2, F1 = 2 * 0.5 * 1 / 1.5
    expect(tokenF1('The Eiffel Tower in Paris', 'the eiffel tower')).toBeCloseTo(2 / 3, 12);
  });

  it('counts repeated tokens once each', () => {
    // prediction has 2 tokens, reference 1, common min(2, 1) = 1: precision 1/2, recall 1
    expect(tokenF1('paris paris', 'paris')).toBeCloseTo((2 * 0.5 * 1) / 1.5, 12);
  });

  it('handles empty answers', () => {
    expect(tokenF1('', 'The')).toBe(1);
    expect(tokenF1('the', 'paris')).toBe(0);
    expect(tokenF1('rome', 'paris')).toBe(0);
  });
});

describe('token_f1', () => {
  it('takes the best expected answer', async () => {
    const spec = { name: 'f1', type: 'token_f1', expected: ['{{short}}', 'Eiffel Tower, Paris'] };
    const result = await score(spec, 'eiffel tower paris', { short: 'tower' });
    expect(result).toEqual({ score: 1, pass: true });
  });

  it('expands a list field', async () => {
    const spec = { name: 'f1', type: 'token_f1', expected: '{{answers}}' };
    const result = await score(spec, 'Denver Broncos', { answers: ['Carolina Panthers', 'Denver Broncos'] });
    expect(result.score).toBe(1);
  });

  it('fails below the threshold', async () => {
    const spec = { name: 'f1', type: 'token_f1', expected: 'the eiffel tower', threshold: 0.7 };
    const result = await score(spec, 'The Eiffel Tower in Paris');
    expect(result.pass).toBe(false);
    expect(result.score).toBeCloseTo(2 / 3, 12);
    expect(result.reason).toBe('token F1 0.667 against "the eiffel tower" is below 0.7; got "The Eiffel Tower in Paris"');
  });

  it('passes at the default threshold', async () => {
    const result = await score({ name: 'f1', type: 'token_f1', expected: 'the eiffel tower' }, 'The Eiffel Tower in Paris');
    expect(result.pass).toBe(true);
  });

  it('fails an empty answer list', async () => {
    const result = await score({ name: 'f1', type: 'token_f1', expected: '{{answers}}' }, 'x', { answers: [] });
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/no expected answers/);
  });

  it('rejects a threshold above 1', () => {
    expect(() => createScorer({ name: 'f1', type: 'token_f1', expected: 'x', threshold: 2 }, context)).toThrow(/"threshold" must be a number from 0 to 1/);
  });
});

describe('squad_exact_match', () => {
  it('matches after SQuAD normalization', async () => {
    const spec = { name: 'em', type: 'squad_exact_match', expected: ['Denver Broncos', '{{alt}}'] };
    expect((await score(spec, 'the Denver Broncos!', { alt: 'Broncos' })).pass).toBe(true);
    expect((await score(spec, 'Broncos.', { alt: 'Broncos' })).pass).toBe(true);
  });

  it('fails with the expected answers', async () => {
    const spec = { name: 'em', type: 'squad_exact_match', expected: ['Denver Broncos', 'Broncos'] };
    const result = await score(spec, 'Denver');
    expect(result).toEqual({ score: 0, pass: false, reason: 'expected one of 2 answers such as "Denver Broncos" but got "Denver"' });
  });

  it('removes hyphens without spacing', async () => {
    const spec = { name: 'em', type: 'squad_exact_match', expected: 'state-of-the-art' };
    expect((await score(spec, 'stateoftheart')).pass).toBe(true);
    expect((await score(spec, 'state of the art')).pass).toBe(false);
  });
});
