import { lookupField, stringifyValue } from '../template.js';
import { ProofgateError } from '../errors.js';
import { resolveFormat } from './formats.js';
import { readRecords, type RawRecord } from './records.js';
import { isSkipped } from './skip.js';
import type { ByteListener } from './source.js';
import type { DatasetFormat, DatasetSpec } from './types.js';

/** A record that passed the skip rules, with its case id. */
export interface CaseRecord {
  raw: RawRecord;
  id: string;
  /** 0-based position among the records that are cases; `DatasetScan.selected` contains these. */
  ordinal: number;
}

/** Running counts of one pass, updated as records are read. */
export interface RecordTally {
  records: number;
  skipped: number;
}

/** Reads the records of a dataset that are cases, in file order. Scanning and running share it, so both see the same cases and ids. */
export async function* readCaseRecords(spec: DatasetSpec, tally: RecordTally, onBytes?: ByteListener): AsyncGenerator<CaseRecord> {
  const format = resolveFormat(spec);
  let ordinal = 0;

  for await (const raw of readRecords(spec.path, format, { displayPath: spec.displayPath, onBytes })) {
    tally.records += 1;
    if (isSkipped(raw.record, spec)) {
      tally.skipped += 1;
      continue;
    }

    yield { raw, id: caseId(raw, spec, format), ordinal };
    ordinal += 1;
  }
}

/** Names a record's place for messages: `file:line`, or `file item N` for JSON, which has no positions. */
export function recordLocation(displayPath: string, raw: RawRecord): string {
  return raw.line === undefined ? `${displayPath} item ${raw.ordinal + 1}` : `${displayPath}:${raw.line}`;
}

/**
 * Returns the case id: the `idField` value as a string, else the record's line
 * (JSONL, CSV) or its 1-based position in the file (JSON, YAML).
 */
function caseId(raw: RawRecord, spec: DatasetSpec, format: DatasetFormat): string {
  if (spec.idField === undefined) {
    const position = format === 'jsonl' || format === 'csv' ? raw.line : undefined;
    return String(position ?? raw.ordinal + 1);
  }

  const value = lookupField(raw.record, spec.idField);
  const id = value === undefined || value === null ? '' : stringifyValue(value);
  if (id.trim() === '') {
    const state = value === undefined ? 'missing' : 'empty';
    throw new ProofgateError(
      'DATASET_INVALID',
      `${recordLocation(spec.displayPath, raw)}: the id field "${spec.idField}" is ${state}; give every case an id, or remove dataset.id to number cases by position`,
    );
  }

  return id;
}
