import { ProofgateError } from '../../errors.js';
import type { RawRecord } from '../records.js';
import { describeValue, isPlainRecord } from './describe.js';

/** Parses a JSON file holding an array of objects. */
export function* readJsonRecords(text: string, displayPath: string): Generator<RawRecord> {
  const items = parseArray(text, displayPath);

  for (const [index, item] of items.entries()) {
    if (!isPlainRecord(item)) {
      throw new ProofgateError(
        'DATASET_INVALID',
        `${displayPath}: item ${index + 1} (index ${index}) is ${describeValue(item)}; every item of the array must be an object`,
      );
    }

    yield { record: item, ordinal: index };
  }
}

function parseArray(text: string, displayPath: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProofgateError('DATASET_INVALID', `${displayPath}${errorPosition(text, reason)}: invalid JSON: ${reason}`, { cause: error });
  }

  if (!Array.isArray(value)) {
    throw new ProofgateError('DATASET_INVALID', `${displayPath}: expected a JSON array of objects, found ${describeValue(value)}`);
  }

  return value;
}

// V8's JSON.parse messages end in "at position N", a UTF-16 offset, which editors want as line:col.
function errorPosition(text: string, reason: string): string {
  const match = /at position (\d+)/.exec(reason);
  if (!match) return '';

  const offset = Number(match[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `:${line}:${column}`;
}
