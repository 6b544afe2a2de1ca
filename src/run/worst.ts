import type { Case } from '../dataset/types.js';
import type { ScorerSpec } from '../scorers/scorer.js';
import { renderTemplate, stringifyValue } from '../template.js';
import type { CaseOutcome } from './case.js';

const DISPLAY_LENGTH = 120;

/** A failing case as the report shows it. */
export interface FailedCaseSummary {
  id: string;
  expected?: string;
  output: string;
  reason: string;
  score: number;
}

/**
 * Keeps the `limit` failing cases with the lowest mean score (errors first,
 * then dataset order), in bounded memory however many cases fail.
 */
export class WorstCases {
  private readonly kept: Array<FailedCaseSummary & { rank: number; index: number }> = [];

  constructor(
    private readonly limit: number,
    private readonly specs: readonly ScorerSpec[],
  ) {}

  offer(item: Case, outcome: CaseOutcome): void {
    const { record } = outcome;
    if (record.pass || this.limit <= 0) return;

    const scores = Object.values(record.scores);
    const mean = scores.length === 0 ? 0 : scores.reduce((sum, entry) => sum + entry.score, 0) / scores.length;
    const rank = record.error !== undefined ? -1 : mean;
    const last = this.kept[this.kept.length - 1];
    if (this.kept.length >= this.limit && last && !isBefore(rank, item.index, last.rank, last.index)) return;

    const failing = Object.entries(record.scores).find(([, score]) => !score.pass);
    const summary = {
      id: record.id,
      expected: this.expectedFor(failing?.[0], item.vars),
      output: shorten(record.error !== undefined ? '' : stringifyValue(outcome.output)),
      reason: record.error ?? (failing ? `${failing[0]}: ${failing[1].reason ?? 'failed'}` : 'failed'),
      score: mean,
      rank,
      index: item.index,
    };

    this.kept.push(summary);
    this.kept.sort((a, b) => (isBefore(a.rank, a.index, b.rank, b.index) ? -1 : 1));
    if (this.kept.length > this.limit) this.kept.pop();
  }

  list(): FailedCaseSummary[] {
    return this.kept.map(({ id, expected, output, reason, score }) => ({ id, expected, output, reason, score }));
  }

  // The scorer's own expected value, rendered for this case, when it has one.
  private expectedFor(scorerName: string | undefined, vars: Record<string, unknown>): string | undefined {
    const spec = this.specs.find((candidate) => candidate.name === scorerName);
    const template = spec?.expected ?? spec?.value;
    if (typeof template === 'number') return String(template);
    if (typeof template !== 'string') return undefined;

    try {
      return shorten(renderTemplate(template, vars));
    } catch {
      return undefined;
    }
  }
}

function isBefore(rank: number, index: number, otherRank: number, otherIndex: number): boolean {
  return rank < otherRank || (rank === otherRank && index < otherIndex);
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > DISPLAY_LENGTH ? `${flat.slice(0, DISPLAY_LENGTH - 1)}…` : flat;
}
