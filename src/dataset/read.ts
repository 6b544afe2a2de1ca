import { createHash } from 'node:crypto';

import { ProofgateError } from '../errors.js';
import { readCaseRecords, type RecordTally } from './cases.js';
import type { Case, DatasetScan, DatasetSpec } from './types.js';

/**
 * Streams the cases a scan selected, in file order, reading the file again
 * with the same skip rules and ids. Throws DATASET_INVALID after the last case
 * when the file's bytes no longer match the scan, because results would
 * otherwise be recorded against a dataset digest they did not come from.
 */
export async function* readCases(spec: DatasetSpec, scan: DatasetScan): AsyncGenerator<Case> {
  const digest = createHash('sha256');
  const tally: RecordTally = { records: 0, skipped: 0 };
  let index = 0;

  for await (const item of readCaseRecords(spec, tally, (chunk) => digest.update(chunk))) {
    if (scan.selected !== undefined && !scan.selected.has(item.ordinal)) continue;

    const next: Case = { id: item.id, index, vars: item.raw.record };
    if (item.raw.line !== undefined) next.line = item.raw.line;
    yield next;
    index += 1;
  }

  if (digest.digest('hex') !== scan.sha256 || index !== scan.cases) {
    throw new ProofgateError(
      'DATASET_INVALID',
      `${spec.displayPath}: the dataset file changed while the run was reading it; run again on an unchanged file`,
    );
  }
}
