import { extname } from 'node:path';

import { ProofgateError } from '../errors.js';
import type { DatasetFormat, DatasetSpec } from './types.js';

export const DATASET_FORMATS: readonly DatasetFormat[] = ['jsonl', 'csv', 'json', 'yaml'];

const FORMAT_BY_EXTENSION: Readonly<Record<string, DatasetFormat>> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
};

/** Detects the dataset format from the file extension, ignoring case. Returns undefined for an unsupported extension. */
export function detectFormat(path: string): DatasetFormat | undefined {
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
}

export function isDatasetFormat(value: unknown): value is DatasetFormat {
  return typeof value === 'string' && (DATASET_FORMATS as readonly string[]).includes(value);
}

/**
 * Returns the format a dataset is read as: `spec.format` when it names a known
 * format, else the one its extension implies. Throws DATASET_INVALID when neither does.
 */
export function resolveFormat(spec: Pick<DatasetSpec, 'path' | 'displayPath'> & { format?: unknown }): DatasetFormat {
  if (isDatasetFormat(spec.format)) return spec.format;

  if (spec.format !== undefined) {
    throw new ProofgateError(
      'DATASET_INVALID',
      `${spec.displayPath}: unknown dataset format ${JSON.stringify(spec.format)}; set dataset.format to one of ${DATASET_FORMATS.join(', ')}`,
    );
  }

  const detected = detectFormat(spec.path);
  if (detected !== undefined) return detected;

  const extensions = Object.keys(FORMAT_BY_EXTENSION).join(', ');
  throw new ProofgateError(
    'DATASET_INVALID',
    `${spec.displayPath}: cannot tell the dataset format from the file name; supported extensions are ${extensions}, ` +
      `or set dataset.format to one of ${DATASET_FORMATS.join(', ')}`,
  );
}
