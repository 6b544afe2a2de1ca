import { existsSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, test } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { readRecords } from '../../src/dataset/index.js';
import { collect, useTempDir } from './temp-files.js';

const write = useTempDir();

async function firstError(path: string): Promise<ProofgateError> {
  const error = await collect(readRecords(path, 'jsonl', { displayPath: 'golden.jsonl' })).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProofgateError);
  return error as ProofgateError;
}

describe('jsonl reader', () => {
  test('reads objects with line numbers', async () => {
    const path = write('lines.jsonl', '{"q":"a","answer":1}\n\n  \n{"q":"b","answer":"007"}\n');
    const records = await collect(readRecords(path, 'jsonl'));

    expect(records).toEqual([
      { record: { q: 'a', answer: 1 }, line: 1, ordinal: 0 },
      { record: { q: 'b', answer: '007' }, line: 4, ordinal: 1 },
    ]);
  });

  test('accepts CRLF and a BOM', async () => {
    const path = write('crlf.jsonl', '\uFEFF{"q":"a"}\r\n{"q":"b"}\r\n');
    const records = await collect(readRecords(path, 'jsonl'));

    expect(records.map((item) => item.record)).toEqual([{ q: 'a' }, { q: 'b' }]);
    expect(records.map((item) => item.line)).toEqual([1, 2]);
  });

  test('last line without newline', async () => {
    const path = write('tail.jsonl', '{"q":"a"}\n{"q":"b"}');
    const records = await collect(readRecords(path, 'jsonl'));
    expect(records).toHaveLength(2);
  });

  test('multibyte text across chunks', async () => {
    const long = 'é'.repeat(70_000);
    const path = write('wide.jsonl', `{"q":"${long}"}\n{"q":"ß"}\n`);
    const records = await collect(readRecords(path, 'jsonl'));

    expect(records[0]?.record['q']).toBe(long);
    expect(records[1]?.record['q']).toBe('ß');
  });

  test('bad line names its line', async () => {
    const path = write('bad.jsonl', '{"q":"a"}\n\n{"q": "b",}\n');
    const error = await firstError(path);

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/^golden\.jsonl:3: invalid JSON: /);
  });

  test('non-object line rejected', async () => {
    const path = write('array.jsonl', '{"q":"a"}\n[1,2]\n');
    const error = await firstError(path);

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toBe('golden.jsonl:2: expected one JSON object per line, found an array');
  });

  test('invalid UTF-8 rejected', async () => {
    const path = write('latin1.jsonl', Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d, 0x0a]));
    const error = await firstError(path);

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/not valid UTF-8/);
  });

  test('missing file names path', async () => {
    const error = await firstError('/nonexistent/dir/golden.jsonl');

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/golden\.jsonl: dataset file not found/);
    expect(error.message).toMatch(/\/nonexistent\/dir\/golden\.jsonl/);
  });

  test('directory path rejected', async () => {
    const dir = write('placeholder.txt', '').replace(/placeholder\.txt$/, '');
    const error = await firstError(dir);
    expect(error.message).toMatch(/not a regular file/);
  });

  test('early stop yields first records', async () => {
    const lines = Array.from({ length: 5_000 }, (_, index) => JSON.stringify({ n: index })).join('\n');
    const path = write('many.jsonl', lines);
    const seen: number[] = [];

    for await (const item of readRecords(path, 'jsonl')) {
      seen.push(item.record['n'] as number);
      if (seen.length === 3) break;
    }

    expect(seen).toEqual([0, 1, 2]);
  });

  test.runIf(existsSync('/proc/self/fd'))('early stop closes the file', async () => {
    // Larger than the read-ahead buffers, so the file is still open when the loop stops.
    const path = write('close.jsonl', `{"n":1}\n${'{"n":2}\n'.repeat(500_000)}`);
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();

    for (let round = 0; round < 50; round += 1) {
      for await (const item of readRecords(path, 'jsonl')) {
        expect(item.record['n']).toBe(1);
        break;
      }
    }

    // Closing finishes a few event-loop turns after the loop exits, so wait for it instead of checking at once.
    for (let attempt = 0; attempt < 50 && openFiles() > before + 5; attempt += 1) await sleep(20);
    expect(openFiles()).toBeLessThanOrEqual(before + 5);
  });
});
