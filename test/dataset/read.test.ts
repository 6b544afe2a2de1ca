import { writeFileSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { readCases, scanDataset } from '../../src/dataset/index.js';
import { collect, specFor, useTempDir } from './temp-files.js';

const write = useTempDir();

describe('readCases', () => {
  test('yields the scanned selection', async () => {
    const lines = Array.from({ length: 60 }, (_, index) => JSON.stringify({ id: `k${index}`, n: index })).join('\n');
    const spec = specFor(write('cases.jsonl', lines), 'jsonl', { idField: 'id' });
    const scan = await scanDataset(spec, { sample: 20, seed: '3', shard: { index: 1, count: 2 } });
    const cases = await collect(readCases(spec, scan));

    expect(cases).toHaveLength(scan.cases);
    expect(cases.map((item) => item.index)).toEqual(cases.map((_, index) => index));
    expect(new Set(cases.map((item) => Number(item.vars['n'])))).toEqual(new Set(scan.selected));
  });

  test('case fields from record', async () => {
    const path = write('golden.csv', 'id,question,answer\n\n7,"What is\nsix plus one?",007\n8,q,8\n');
    const spec = specFor(path, 'csv', { idField: 'id' });
    const cases = await collect(readCases(spec, await scanDataset(spec, {})));

    expect(cases[0]).toEqual({ id: '7', index: 0, line: 3, vars: { id: '7', question: 'What is\nsix plus one?', answer: '007' } });
    expect(cases[1]?.line).toBe(5);
  });

  test('skipped records not yielded', async () => {
    const path = write('mixed.yaml', '- kind: header\n- {q: a}\n- {q: b}\n');
    const spec = specFor(path, 'yaml', { skipIf: [{ field: 'kind', equals: 'header' }] });
    const cases = await collect(readCases(spec, await scanDataset(spec, {})));

    expect(cases.map((item) => item.id)).toEqual(['2', '3']);
    expect(cases.map((item) => item.line)).toEqual([2, 3]);
  });

  test('JSON cases have no line', async () => {
    const path = write('golden.json', JSON.stringify([{ q: 'a' }, { q: 'b' }]));
    const spec = specFor(path, 'json');
    const cases = await collect(readCases(spec, await scanDataset(spec, {})));

    expect(cases.map((item) => item.id)).toEqual(['1', '2']);
    expect(cases[0]).not.toHaveProperty('line');
  });

  test('changed file rejected', async () => {
    const path = write('moving.jsonl', '{"q":"a"}\n{"q":"b"}\n');
    const spec = specFor(path, 'jsonl');
    const scan = await scanDataset(spec, {});
    writeFileSync(path, '{"q":"a"}\n{"q":"B"}\n');

    const error = await collect(readCases(spec, scan)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).code).toBe('DATASET_INVALID');
    expect((error as ProofgateError).message).toMatch(/changed while the run was reading it/);
  });
});
