// Matches two runs' cases by id and lists the ones whose outcome changed.

/** One case's id and whether it passed, as recorded in a bundle. */
export interface CaseOutcome {
  id: string;
  pass: boolean;
}

/** Per-case differences between a run and its baseline. Lists may be capped; counts never are. */
export interface CaseComparison {
  /** Passed in the baseline, failed now. */
  flippedToFail: string[];
  /** Failed in the baseline, passed now. */
  flippedToPass: string[];
  /** Only in the current run. */
  added: string[];
  /** Only in the baseline. */
  removed: string[];
  /** In both runs with the same outcome. */
  unchanged: number;
  counts: { flippedToFail: number; flippedToPass: number; added: number; removed: number };
}

export interface CompareOptions {
  /** Keep at most this many ids in each list; default no cap. */
  limit?: number;
}

type CaseSource = AsyncIterable<CaseOutcome> | Iterable<CaseOutcome>;

// Flags kept per baseline id: whether it passed, and whether the current run had it.
const PASSED = 1;
const MATCHED = 2;

/** A list that keeps the first `limit` items and counts all of them. */
class CappedList {
  readonly items: string[] = [];
  count = 0;

  constructor(private readonly limit: number) {}

  add(id: string): void {
    this.count += 1;
    if (this.items.length < this.limit) this.items.push(id);
  }
}

/**
 * Compares the cases of two runs by id. Only cases present in both runs can
 * flip; the others are listed as added or removed. Memory grows by one map
 * entry per baseline case, and the current run is streamed. A repeated id in
 * the current run counts once.
 */
export async function compareRuns(current: CaseSource, baseline: CaseSource, options: CompareOptions = {}): Promise<CaseComparison> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const flags = new Map<string, number>();

  for await (const item of baseline) flags.set(item.id, item.pass ? PASSED : 0);

  const lists = { flippedToFail: new CappedList(limit), flippedToPass: new CappedList(limit), added: new CappedList(limit) };
  let unchanged = 0;

  for await (const item of current) {
    const flag = flags.get(item.id);

    // An added id is marked as matched too, so that a repeat of it is skipped.
    if (flag === undefined) {
      lists.added.add(item.id);
      flags.set(item.id, MATCHED);
      continue;
    }

    if ((flag & MATCHED) !== 0) continue;
    flags.set(item.id, flag | MATCHED);

    const passedBefore = (flag & PASSED) !== 0;
    if (passedBefore === item.pass) unchanged += 1;
    else if (passedBefore) lists.flippedToFail.add(item.id);
    else lists.flippedToPass.add(item.id);
  }

  const removed = new CappedList(limit);
  for (const [id, flag] of flags) {
    if ((flag & MATCHED) === 0) removed.add(id);
  }

  return {
    flippedToFail: lists.flippedToFail.items,
    flippedToPass: lists.flippedToPass.items,
    added: lists.added.items,
    removed: removed.items,
    unchanged,
    counts: {
      flippedToFail: lists.flippedToFail.count,
      flippedToPass: lists.flippedToPass.count,
      added: lists.added.count,
      removed: removed.count,
    },
  };
}

/** Reads `{id, pass}` from the `cases` of a bundle's predicate, skipping records without both. */
export function* caseOutcomesOf(predicate: Record<string, unknown>): Generator<CaseOutcome> {
  const cases = predicate.cases;
  if (!Array.isArray(cases)) return;

  for (const record of cases) {
    const outcome = toOutcome(record);
    if (outcome !== undefined) yield outcome;
  }
}

/** Reads `{id, pass}` from case records written one JSON document per chunk, as the run's case spool yields them. */
export async function* caseOutcomesFromJson(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<CaseOutcome> {
  for await (const chunk of chunks) {
    const outcome = toOutcome(JSON.parse(chunk.toString()));
    if (outcome !== undefined) yield outcome;
  }
}

function toOutcome(record: unknown): CaseOutcome | undefined {
  if (typeof record !== 'object' || record === null) return undefined;

  const { id, pass } = record as { id?: unknown; pass?: unknown };
  if (typeof id !== 'string' || typeof pass !== 'boolean') return undefined;

  return { id, pass };
}
