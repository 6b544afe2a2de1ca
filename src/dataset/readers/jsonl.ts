import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

import { ProofgateError } from '../../errors.js';
import type { RawRecord } from '../records.js';
import { describeValue, isPlainRecord } from './describe.js';

/** Parses JSON Lines, one object per line. Blank lines are ignored but still counted for line numbers. */
export async function* readJsonlRecords(chunks: AsyncIterable<string>, displayPath: string): AsyncGenerator<RawRecord> {
  const input = Readable.from(chunks);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let ordinal = 0;

  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;

      yield { record: parseLine(text, line, displayPath), line, ordinal };
      ordinal += 1;
    }
  } finally {
    // Destroying the input stops the file read (and closes the file) when the caller stops early.
    lines.close();
    input.destroy();
  }
}

function parseLine(text: string, line: number, displayPath: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProofgateError('DATASET_INVALID', `${displayPath}:${line}: invalid JSON: ${reason}`, { cause: error });
  }

  if (!isPlainRecord(value)) {
    throw new ProofgateError(
      'DATASET_INVALID',
      `${displayPath}:${line}: expected one JSON object per line, found ${describeValue(value)}`,
    );
  }

  return value;
}
