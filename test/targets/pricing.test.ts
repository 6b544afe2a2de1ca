import { describe, expect, it } from 'vitest';
import { costFromUsage, withComputedCost } from '../../src/targets/pricing.js';

const PRICING = { input_per_million: 3, output_per_million: 15 };

describe('costFromUsage', () => {
  it('prices both token counts', () => {
    // 1,200 input tokens at $3/M plus 800 output tokens at $15/M.
    expect(costFromUsage({ input_tokens: 1_200, output_tokens: 800 }, PRICING)).toBeCloseTo(0.0036 + 0.012, 12);
  });

  it('counts a missing count as zero', () => {
    expect(costFromUsage({ output_tokens: 2_000_000 }, PRICING)).toBeCloseTo(30, 12);
  });

  it('is undefined without pricing', () => {
    expect(costFromUsage({ input_tokens: 10, output_tokens: 10 }, undefined)).toBeUndefined();
  });

  it('is undefined without token counts', () => {
    expect(costFromUsage(undefined, PRICING)).toBeUndefined();
    expect(costFromUsage({}, PRICING)).toBeUndefined();
  });
});

describe('withComputedCost', () => {
  it('adds the computed cost', () => {
    const result = withComputedCost({ output: 'x', usage: { input_tokens: 1_000_000 } }, PRICING);

    expect(result.cost_usd).toBe(3);
  });

  it('keeps a reported cost', () => {
    const result = withComputedCost({ output: 'x', usage: { input_tokens: 1_000_000 }, cost_usd: 0.25 }, PRICING);

    expect(result.cost_usd).toBe(0.25);
  });

  it('leaves cost unset when unknown', () => {
    expect(withComputedCost({ output: 'x' }, PRICING)).toEqual({ output: 'x' });
  });
});
