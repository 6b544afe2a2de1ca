// Doubles cannot hold most decimal fractions, so 0.8 - 0.1 gives
// 0.7000000000000001 and a gate "accuracy >= baseline - 0.1" would then fail
// for an accuracy of exactly 0.7. Thresholds and deltas are rounded back to
// the digits their operands carry.

// A double carries 15 to 17 significant decimal digits; 15 is the most that
// every double round-trips through decimal text without change.
const SIGNIFICANT_DIGITS = 15;

/**
 * Adds two numbers and rounds the sum to 15 significant digits of the larger
 * operand, which removes the binary rounding error of the addition itself.
 */
export function decimalSum(left: number, right: number): number {
  const sum = left + right;
  const scale = Math.max(Math.abs(left), Math.abs(right));

  if (!Number.isFinite(sum) || scale === 0) return sum;

  const decimals = SIGNIFICANT_DIGITS - 1 - Math.floor(Math.log10(scale));
  const rounded = Number(sum.toFixed(Math.min(100, Math.max(0, decimals))));

  // -0 would survive JSON as 0, so a signed statement could not round-trip it.
  return rounded === 0 ? 0 : rounded;
}
