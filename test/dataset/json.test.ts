import { describe, expect, test } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { readRecords } from '../../src/dataset/index.js';
import { collect, useTempDir } from './temp-files.js';

const write = useTempDir();

async function readJson(name: string, content: string) {
  return collect(readRecords(write(name, content), 'json', { displayPath: 'golden.json' }));
}

async function jsonError(name: string, content: string): Promise<ProofgateError> {
  const error = await readJson(name, content).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProofgateError);
  return error as ProofgateError;
}

describe('json reader', () => {
  test('array of objects', async () => {
    const records = await readJson('cases.json', '\uFEFF[{"id": 1, "answer": "a"}, {"id": 2, "answer": null}]');

    expect(records).toEqual([
      { record: { id: 1, answer: 'a' }, ordinal: 0 },
      { record: { id: 2, answer: null }, ordinal: 1 },
    ]);
  });

  test('non-array rejected', async () => {
    const error = await jsonError('object.json', '{"cases": []}');

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toBe('golden.json: expected a JSON array of objects, found an object');
  });

  test('non-object item names index', async () => {
    const error = await jsonError('mixed.json', '[{"id": 1}, "two", {"id": 3}]');
    expect(error.message).toBe('golden.json: item 2 (index 1) is a string; every item of the array must be an object');
  });

  test('syntax error names position', async () => {
    const error = await jsonError('broken.json', '[\n  {"id": 1},\n  {"id": 2 "x": 3}\n]');

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/^golden\.json:3:12: invalid JSON: /);
  });
});
