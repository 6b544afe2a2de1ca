import { resolveFormat } from './formats.js';
import { readCsvRecords } from './readers/csv.js';
import { readJsonRecords } from './readers/json.js';
import { readJsonlRecords } from './readers/jsonl.js';
import { readYamlRecords } from './readers/yaml.js';
import { readDatasetChunks, readDatasetText, type ByteListener } from './source.js';
import type { DatasetFormat } from './types.js';

/** One record of a dataset file, before skip rules decide whether it is a case. */
export interface RawRecord {
  record: Record<string, unknown>;
  /** 1-based line where the record starts; absent for JSON, whose parser reports no positions. */
  line?: number;
  /** 0-based position among all records of the file, skipped ones included. */
  ordinal: number;
}

export interface ReadRecordsOptions {
  /** Path shown in error messages; defaults to `path`. */
  displayPath?: string;
  onBytes?: ByteListener;
}

/**
 * Reads a dataset file record by record. JSONL and CSV are streamed, so memory
 * stays flat in the number of records; JSON and YAML are parsed whole.
 * Throws DATASET_INVALID on the first malformed record, naming its position.
 */
export async function* readRecords(path: string, format: DatasetFormat, options: ReadRecordsOptions = {}): AsyncGenerator<RawRecord> {
  const displayPath = options.displayPath ?? path;

  // The format may come from unchecked input, so an unknown one fails here instead of reading nothing.
  switch (resolveFormat({ path, displayPath, format })) {
    case 'jsonl':
      yield* readJsonlRecords(readDatasetChunks(path, displayPath, options.onBytes), displayPath);
      return;
    case 'csv':
      yield* readCsvRecords(readDatasetChunks(path, displayPath, options.onBytes), displayPath);
      return;
    case 'json':
      yield* readJsonRecords(await readDatasetText(path, displayPath, options.onBytes), displayPath);
      return;
    case 'yaml':
      yield* readYamlRecords(await readDatasetText(path, displayPath, options.onBytes), displayPath);
      return;
  }
}
