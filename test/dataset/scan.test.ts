import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { readCases, scanDataset } from '../../src/dataset/index.js';
import type { DatasetSpec, Selection } from '../../src/dataset/types.js';
import { collect, specFor, useTempDir } from './temp-files.js';

const write = useTempDir();
const GSM8K = '/work/shared/data/pot-gsm8k-codex/gsm8K_s0_e-1_11_17_10_20.jsonl';

async function scanError(spec: DatasetSpec, selection: Selection = {}, requiredFields?: string[]): Promise<ProofgateError> {
  const error = await scanDataset(spec, selection, { requiredFields }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProofgateError);
  return error as ProofgateError;
}

async function selectedIds(spec: DatasetSpec, selection: Selection): Promise<string[]> {
  const scan = await scanDataset(spec, selection);
  return (await collect(readCases(spec, scan))).map((item) => item.id);
}

function jsonl(records: object[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + '\n';
}

describe('scanDataset on GSM8K', () => {
  const skipPrompts = specFor(GSM8K, 'jsonl', { skipIf: [{ field: 'prompt', exists: true }] });

  test('skips the two prompt lines', async () => {
    const scan = await scanDataset(skipPrompts, {}, { requiredFields: ['question', 'answer'] });

    expect(scan.records).toBe(1320);
    expect(scan.skipped).toBe(2);
    expect(scan.cases).toBe(1318);
    expect(scan.selected).toBeUndefined();
  });

  test('hashes the raw bytes', async () => {
    const bytes = readFileSync(GSM8K);
    const scan = await scanDataset(skipPrompts, {});

    expect(scan.bytes).toBe(bytes.length);
    expect(scan.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  test('ids are line numbers', async () => {
    const scan = await scanDataset(skipPrompts, {});
    const cases = await collect(readCases(skipPrompts, scan));
    const ids = cases.map((item) => item.id);

    expect(cases).toHaveLength(1318);
    expect(ids[0]).toBe('2');
    expect(ids).not.toContain('1');
    expect(ids).not.toContain('1054');
    expect(ids).toContain('1053');
    expect(ids).toContain('1055');
    expect(ids.at(-1)).toBe('1320');
    expect(cases.every((item) => item.id === String(item.line))).toBe(true);
  });

  test('require rule skips equally', async () => {
    const spec = specFor(GSM8K, 'jsonl', { require: ['question', 'answer'] });
    const scan = await scanDataset(spec, {});

    expect(scan.skipped).toBe(2);
    expect(scan.cases).toBe(1318);
  });

  test('without skipping, fields are missing', async () => {
    const error = await scanError(specFor(GSM8K, 'jsonl', { displayPath: 'gsm8k.jsonl' }), {}, ['answer']);

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.details).toEqual(['gsm8k.jsonl:1: case "1" has no field "answer"', 'gsm8k.jsonl:1054: case "1054" has no field "answer"']);
  });
});

describe('scanDataset checks', () => {
  test('empty file is DATASET_EMPTY', async () => {
    const error = await scanError(specFor(write('empty.jsonl', ''), 'jsonl'));

    expect(error.code).toBe('DATASET_EMPTY');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/empty\.jsonl: the dataset has no records/);
  });

  test('all skipped is DATASET_EMPTY', async () => {
    const path = write('prompts.jsonl', jsonl([{ prompt: 'a' }, { prompt: 'b' }]));
    const error = await scanError(specFor(path, 'jsonl', { skipIf: [{ field: 'prompt' }] }));

    expect(error.code).toBe('DATASET_EMPTY');
    expect(error.message).toMatch(/all 2 records were skipped/);
  });

  test('duplicate ids name both lines', async () => {
    const path = write('dupes.jsonl', jsonl([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'b' }]));
    const error = await scanError(specFor(path, 'jsonl', { idField: 'id' }));

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/case id "b" appears twice, on lines 2 and 4/);
  });

  test('numeric and string ids collide', async () => {
    const path = write('mixed-ids.json', JSON.stringify([{ id: 7 }, { id: '7' }]));
    const error = await scanError(specFor(path, 'json', { idField: 'id' }));
    expect(error.message).toMatch(/case id "7" appears twice, on items 1 and 2/);
  });

  test('missing id names line', async () => {
    const path = write('no-id.jsonl', jsonl([{ id: 'a' }, { question: 'q' }]));
    const error = await scanError(specFor(path, 'jsonl', { idField: 'id' }));

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/no-id\.jsonl:2: the id field "id" is missing/);
  });

  test('empty id rejected', async () => {
    const path = write('blank-id.csv', 'id,q\n1,a\n,b\n');
    const error = await scanError(specFor(path, 'csv', { idField: 'id' }));
    expect(error.message).toMatch(/blank-id\.csv:3: the id field "id" is empty/);
  });

  test('skipped records need no id', async () => {
    const path = write('header-row.jsonl', jsonl([{ prompt: 'x' }, { id: 'a' }, { id: 'b' }]));
    const scan = await scanDataset(specFor(path, 'jsonl', { idField: 'id', skipIf: [{ field: 'prompt' }] }), {});
    expect(scan.cases).toBe(2);
  });

  test('missing fields listed up to ten', async () => {
    const records = Array.from({ length: 12 }, (_, index) => ({ id: `c${index}`, question: 'q' }));
    const path = write('no-answer.jsonl', jsonl(records));
    const error = await scanError(specFor(path, 'jsonl', { idField: 'id', displayPath: 'golden.jsonl' }), {}, ['question', 'answer']);

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/^golden\.jsonl:1: case "c0" has no field "answer" \(and 11 more missing fields\)/);
    expect(error.details).toHaveLength(11);
    expect(error.details[9]).toBe('golden.jsonl:10: case "c9" has no field "answer"');
    expect(error.details[10]).toBe('... and 2 more');
  });

  test('dotted required field', async () => {
    const path = write('nested.json', JSON.stringify([{ meta: { gold: 'x' } }, { meta: {} }]));
    const error = await scanError(specFor(path, 'json', { displayPath: 'nested.json' }), {}, ['meta.gold']);
    expect(error.details).toEqual(['nested.json item 2: case "2" has no field "meta.gold"']);
  });

  test('unselected cases not checked', async () => {
    const records = Array.from({ length: 40 }, (_, index) => ({ id: `c${index}`, ...(index === 0 ? {} : { answer: 1 }) }));
    const spec = specFor(write('one-bad.jsonl', jsonl(records)), 'jsonl', { idField: 'id' });
    const fullError = await scanError(spec, {}, ['answer']);
    expect(fullError.details).toHaveLength(1);

    const scans = await Promise.all([1, 2, 3, 4].map((index) => scanDataset(spec, { shard: { index, count: 4 } }, { requiredFields: ['answer'] }).catch(() => undefined)));
    expect(scans.filter((scan) => scan === undefined)).toHaveLength(1);
  });

  test('missing file is DATASET_INVALID', async () => {
    const error = await scanError(specFor('/nonexistent/golden.jsonl', 'jsonl'));

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/\/nonexistent\/golden\.jsonl/);
  });

  test('unknown format is DATASET_INVALID', async () => {
    const path = write('cases.txt', 'id\n1\n');
    const spec = { ...specFor(path, 'csv'), format: undefined as unknown as 'csv' };
    const error = await scanError(spec);

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/supported extensions are/);
  });
});

describe('sampling', () => {
  const records = Array.from({ length: 200 }, (_, index) => ({ id: `q${index}`, answer: index }));
  const spec = specFor(write('ordered.jsonl', jsonl(records)), 'jsonl', { idField: 'id' });

  // A fixed permutation (multiplying by a unit modulo 200) serves as a shuffled copy of the file.
  const shuffled = records.map((_, index) => records[(index * 77) % 200] as object);
  const shuffledSpec = specFor(write('shuffled.jsonl', jsonl(shuffled)), 'jsonl', { idField: 'id' });

  test('picks N cases', async () => {
    const scan = await scanDataset(spec, { sample: 15, seed: 'a' });

    expect(scan.cases).toBe(15);
    expect(scan.selected?.size).toBe(15);
    expect(await selectedIds(spec, { sample: 15, seed: 'a' })).toHaveLength(15);
  });

  test('same seed, same subset', async () => {
    expect(await selectedIds(spec, { sample: 15, seed: 'a' })).toEqual(await selectedIds(spec, { sample: 15, seed: 'a' }));
  });

  test('independent of record order', async () => {
    const ordered = await selectedIds(spec, { sample: 15, seed: 'a' });
    const fromShuffled = await selectedIds(shuffledSpec, { sample: 15, seed: 'a' });

    expect(new Set(fromShuffled)).toEqual(new Set(ordered));
  });

  test('different seeds differ', async () => {
    const first = await selectedIds(spec, { sample: 15, seed: 'a' });
    const second = await selectedIds(spec, { sample: 15, seed: 'b' });
    expect(new Set(second)).not.toEqual(new Set(first));
  });

  test('N above count selects all', async () => {
    const scan = await scanDataset(spec, { sample: 1000 });

    expect(scan.cases).toBe(200);
    expect(scan.selected).toBeUndefined();
  });

  test('bad sample size is USAGE', async () => {
    const error = await scanError(spec, { sample: 0 });
    expect(error.code).toBe('USAGE');
  });
});

describe('sharding', () => {
  const records = Array.from({ length: 101 }, (_, index) => ({ id: `q${index}` }));
  const spec = specFor(write('shards.jsonl', jsonl(records)), 'jsonl', { idField: 'id' });

  test('shards partition the cases', async () => {
    const shards = await Promise.all([1, 2, 3].map((index) => selectedIds(spec, { shard: { index, count: 3 } })));
    const union = shards.flat();

    expect(union).toHaveLength(101);
    expect(new Set(union).size).toBe(101);
    expect(new Set(union)).toEqual(new Set(records.map((record) => record.id)));
    for (const shard of shards) expect(shard.length).toBeGreaterThan(0);
  });

  test('shards partition a sample', async () => {
    const sample = await selectedIds(spec, { sample: 30, seed: 'z' });
    const shards = await Promise.all([1, 2].map((index) => selectedIds(spec, { sample: 30, seed: 'z', shard: { index, count: 2 } })));

    expect(new Set(shards.flat())).toEqual(new Set(sample));
    expect(shards.flat()).toHaveLength(30);
  });

  test('one shard of one is all', async () => {
    const scan = await scanDataset(spec, { shard: { index: 1, count: 1 } });

    expect(scan.cases).toBe(101);
    expect(scan.selected).toBeUndefined();
  });

  test('empty shard is DATASET_EMPTY', async () => {
    const single = specFor(write('single.jsonl', jsonl([{ id: 'only' }])), 'jsonl', { idField: 'id' });
    const results = await Promise.all([1, 2].map((index) => scanDataset(single, { shard: { index, count: 2 } }).catch((error: unknown) => error)));
    const errors = results.filter((result): result is ProofgateError => result instanceof ProofgateError);

    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('DATASET_EMPTY');
    expect(errors[0]?.message).toMatch(/selected none of the 1 cases/);
  });
});
