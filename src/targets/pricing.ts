import type { TargetResult, Usage } from './target.js';

/** Price of a model in US dollars per million tokens, as providers publish it. */
export interface Pricing {
  input_per_million: number;
  output_per_million: number;
}

const TOKENS_PER_PRICE_UNIT = 1_000_000;

/**
 * Computes the cost in US dollars of one call from its token usage. Returns
 * undefined when there is no pricing or the usage reports no token count, so
 * that an unknown cost is never recorded as zero. A count that is missing from
 * an otherwise reported usage counts as zero tokens.
 */
export function costFromUsage(usage: Usage | undefined, pricing: Pricing | undefined): number | undefined {
  if (usage === undefined || pricing === undefined) return undefined;

  const { input_tokens: inputTokens, output_tokens: outputTokens } = usage;
  if (inputTokens === undefined && outputTokens === undefined) return undefined;

  const inputCost = ((inputTokens ?? 0) * pricing.input_per_million) / TOKENS_PER_PRICE_UNIT;
  const outputCost = ((outputTokens ?? 0) * pricing.output_per_million) / TOKENS_PER_PRICE_UNIT;
  return inputCost + outputCost;
}

/** Adds cost_usd computed from usage and pricing, unless the target already reported a cost. */
export function withComputedCost(result: TargetResult, pricing: Pricing | undefined): TargetResult {
  if (result.cost_usd !== undefined) return result;

  const cost = costFromUsage(result.usage, pricing);
  return cost === undefined ? result : { ...result, cost_usd: cost };
}
