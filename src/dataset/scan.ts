import { createHash } from 'node:crypto';

import { ProofgateError } from '../errors.js';
import { lookupField } from '../template.js';
import { readCaseRecords, recordLocation, type CaseRecord, type RecordTally } from './cases.js';
import { createCaseSelector, describeSelection } from './select.js';
import type { DatasetScan, DatasetSpec, Selection } from './types.js';

export interface ScanOptions {
  /** Dotted field paths every selected case must have, such as the fields the pipeline's templates use. */
  requiredFields?: string[];
}

const MAX_LISTED_PROBLEMS = 10;

/**
 * Reads the whole dataset once before any case runs: hashes its bytes, counts
 * records, applies skip rules, checks ids and required fields, and applies the
 * selection. Memory grows only by a few bytes per case (the ids, for the
 * duplicate check, and the selected ordinals).
 */
export async function scanDataset(spec: DatasetSpec, selection: Selection, options: ScanOptions = {}): Promise<DatasetScan> {
  const selector = createCaseSelector<string[]>(selection);
  const digest = createHash('sha256');
  const tally: RecordTally = { records: 0, skipped: 0 };
  const seenIds = new Map<string, number>();
  const problems = new ProblemList();
  const selected = new Set<number>();
  let bytes = 0;
  let cases = 0;

  const onBytes = (chunk: Buffer): void => {
    digest.update(chunk);
    bytes += chunk.length;
  };

  for await (const item of readCaseRecords(spec, tally, onBytes)) {
    if (spec.idField !== undefined) checkUniqueId(seenIds, item, spec.displayPath);
    cases += 1;

    const missing = missingFields(item, options.requiredFields ?? [], spec.displayPath);
    if (selector.add({ ordinal: item.ordinal, id: item.id, data: missing }) === 'selected') {
      if (selector.active) selected.add(item.ordinal);
      problems.add(missing);
    }
  }

  for (const entry of selector.finish()) {
    selected.add(entry.ordinal);
    problems.add(entry.data);
  }

  const chosen = selector.active ? selected.size : cases;
  checkNotEmpty(spec, selection, tally, cases, chosen);
  problems.throwIfAny();

  return {
    sha256: digest.digest('hex'),
    bytes,
    records: tally.records,
    skipped: tally.skipped,
    cases: chosen,
    selected: chosen < cases ? selected : undefined,
  };
}

function checkUniqueId(seenIds: Map<string, number>, item: CaseRecord, displayPath: string): void {
  const position = item.raw.line ?? item.raw.ordinal + 1;
  const first = seenIds.get(item.id);
  if (first === undefined) {
    seenIds.set(item.id, position);
    return;
  }

  const unit = item.raw.line === undefined ? 'items' : 'lines';
  throw new ProofgateError(
    'DATASET_INVALID',
    `${displayPath}: case id ${JSON.stringify(item.id)} appears twice, on ${unit} ${first} and ${position}; every case needs a unique id`,
  );
}

function missingFields(item: CaseRecord, fields: readonly string[], displayPath: string): string[] {
  const missing = fields.filter((field) => lookupField(item.raw.record, field) === undefined);

  return missing.map(
    (field) => `${recordLocation(displayPath, item.raw)}: case ${JSON.stringify(item.id)} has no field ${JSON.stringify(field)}`,
  );
}

function checkNotEmpty(spec: DatasetSpec, selection: Selection, tally: RecordTally, cases: number, chosen: number): void {
  if (tally.records === 0) {
    throw new ProofgateError('DATASET_EMPTY', `${spec.displayPath}: the dataset has no records; add at least one case, since an empty dataset cannot pass`);
  }

  if (cases === 0) {
    throw new ProofgateError(
      'DATASET_EMPTY',
      `${spec.displayPath}: all ${tally.records} records were skipped by dataset.require or dataset.skip_if, so no cases are left; check those rules`,
    );
  }

  if (chosen === 0) {
    const hint = selection.sample === undefined ? 'use fewer shards' : 'use a larger --sample or fewer shards';
    throw new ProofgateError(
      'DATASET_EMPTY',
      `${spec.displayPath}: ${describeSelection(selection)} selected none of the ${cases} cases (${tally.skipped} of ${tally.records} records skipped); ${hint}`,
    );
  }
}

/** Collects "case has no field" problems, keeping the first few for the error. */
class ProblemList {
  private readonly listed: string[] = [];
  private total = 0;

  add(problems: readonly string[]): void {
    this.total += problems.length;
    const room = MAX_LISTED_PROBLEMS - this.listed.length;
    if (room > 0) this.listed.push(...problems.slice(0, room));
  }

  throwIfAny(): void {
    if (this.total === 0) return;

    const more = this.total > this.listed.length ? [`... and ${this.total - this.listed.length} more`] : [];
    const others = this.total > 1 ? ` (and ${this.total - 1} more missing fields)` : '';
    throw new ProofgateError(
      'DATASET_INVALID',
      `${this.listed[0]}${others}; add the fields, or list them under dataset.require to skip records without them`,
      { details: [...this.listed, ...more] },
    );
  }
}
