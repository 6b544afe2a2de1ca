import { existsSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, test } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { readRecords } from '../../src/dataset/index.js';
import { collect, useTempDir } from './temp-files.js';

const write = useTempDir();

async function readCsv(name: string, content: string | Buffer) {
  return collect(readRecords(write(name, content), 'csv', { displayPath: 'golden.csv' }));
}

async function csvError(name: string, content: string): Promise<ProofgateError> {
  const error = await readCsv(name, content).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProofgateError);
  return error as ProofgateError;
}

describe('csv reader', () => {
  test('quoted fields and escaped quotes', async () => {
    const records = await readCsv('quoted.csv', 'id,question,answer\n1,"Hello, world","say ""hi"""\n');

    expect(records).toEqual([{ record: { id: '1', question: 'Hello, world', answer: 'say "hi"' }, line: 2, ordinal: 0 }]);
  });

  test('values stay strings', async () => {
    const records = await readCsv('strings.csv', 'id,answer\n1,007\n2,3.10\n3,yes\n4,\n');

    expect(records.map((item) => item.record['answer'])).toEqual(['007', '3.10', 'yes', '']);
  });

  test('BOM and CRLF', async () => {
    const records = await readCsv('bom.csv', '\uFEFFid,answer\r\n1,a\r\n2,b\r\n');

    expect(Object.keys(records[0]?.record ?? {})).toEqual(['id', 'answer']);
    expect(records.map((item) => item.record['answer'])).toEqual(['a', 'b']);
    expect(records.map((item) => item.line)).toEqual([2, 3]);
  });

  test('embedded newlines keep line numbers', async () => {
    const content = 'id,question\r\n1,"two\r\nlines"\r\n\r\n2,"three\nshort\nlines"\r\n3,plain\r\n';
    const records = await readCsv('multiline.csv', content);

    expect(records.map((item) => item.record['question'])).toEqual(['two\r\nlines', 'three\nshort\nlines', 'plain']);
    expect(records.map((item) => item.line)).toEqual([2, 5, 8]);
  });

  test('CR-only line endings', async () => {
    const records = await readCsv('mac.csv', 'id,q\r1,a\r2,"b\rc"\r3,d\r');

    expect(records.map((item) => item.line)).toEqual([2, 3, 5]);
    expect(records[1]?.record['q']).toBe('b\rc');
  });

  test('blank lines skipped', async () => {
    const records = await readCsv('blank.csv', '\nid,q\n\n1,a\n\n\n2,b\n\n');

    expect(records.map((item) => item.record['id'])).toEqual(['1', '2']);
    expect(records.map((item) => item.line)).toEqual([4, 7]);
    expect(records.map((item) => item.ordinal)).toEqual([0, 1]);
  });

  test('header only has no records', async () => {
    expect(await readCsv('header.csv', 'id,q\n')).toEqual([]);
  });

  test('wrong column count names line', async () => {
    const error = await csvError('short.csv', 'id,q,answer\r\n1,"a\r\nb",x\r\n\r\n2,c\r\n3,d,e\r\n');

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toBe('golden.csv:5: the row has 2 fields but the header has 3 columns; quote values that contain commas');
  });

  test('extra field names line', async () => {
    const error = await csvError('long.csv', 'id,q\n1,a\n2,b,c\n');
    expect(error.message).toMatch(/^golden\.csv:3: the row has 3 fields but the header has 2 columns/);
  });

  test('unclosed quote names row', async () => {
    const error = await csvError('open.csv', 'id,q\n1,a\n2,"never closed\n3,c\n');

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/^golden\.csv:3: a quoted field in this row is never closed/);
  });

  test('stray quote rejected', async () => {
    const error = await csvError('stray.csv', 'id,q\n1,"a"b\n');
    expect(error.message).toMatch(/^golden\.csv:2: a quote character is out of place/);
  });

  test('duplicate header rejected', async () => {
    const error = await csvError('dupe.csv', 'id,answer,answer\n1,a,b\n');

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/^golden\.csv:1: column "answer" appears twice/);
  });

  test.runIf(existsSync('/proc/self/fd'))('early stop closes the file', async () => {
    // Larger than the read-ahead buffers, so the file is still open when the loop stops.
    const path = write('close.csv', `id,q\n${'1,a\n'.repeat(800_000)}`);
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();

    for (let round = 0; round < 50; round += 1) {
      for await (const item of readRecords(path, 'csv')) {
        expect(item.record['q']).toBe('a');
        break;
      }
    }

    // Closing finishes a few event-loop turns after the loop exits, so wait for it instead of checking at once.
    for (let attempt = 0; attempt < 50 && openFiles() > before + 5; attempt += 1) await sleep(20);
    expect(openFiles()).toBeLessThanOrEqual(before + 5);
  });
});
