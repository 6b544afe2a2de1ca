import { describe, expect, test } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { detectFormat, resolveFormat } from '../../src/dataset/index.js';

describe('detectFormat', () => {
  test.each([
    ['golden.jsonl', 'jsonl'],
    ['golden.ndjson', 'jsonl'],
    ['data/Golden.CSV', 'csv'],
    ['golden.json', 'json'],
    ['golden.yaml', 'yaml'],
    ['golden.yml', 'yaml'],
  ])('%s is %s', (path, format) => {
    expect(detectFormat(path)).toBe(format);
  });

  test('unknown extension is undefined', () => {
    expect(detectFormat('golden.txt')).toBeUndefined();
    expect(detectFormat('golden')).toBeUndefined();
  });
});

describe('resolveFormat', () => {
  test('explicit format wins', () => {
    expect(resolveFormat({ path: '/x/golden.txt', displayPath: 'golden.txt', format: 'csv' })).toBe('csv');
  });

  test('falls back to extension', () => {
    expect(resolveFormat({ path: '/x/golden.yml', displayPath: 'golden.yml' })).toBe('yaml');
  });

  test('unknown extension names options', () => {
    const attempt = () => resolveFormat({ path: '/x/golden.txt', displayPath: 'golden.txt' });
    expect(attempt).toThrow(ProofgateError);
    expect(attempt).toThrow(/golden\.txt/);
    expect(attempt).toThrow(/\.jsonl, \.ndjson, \.csv, \.json, \.yaml, \.yml/);
    expect(attempt).toThrow(/dataset\.format/);
  });

  test('unknown format value rejected', () => {
    const attempt = () => resolveFormat({ path: '/x/golden.jsonl', displayPath: 'golden.jsonl', format: 'xml' });
    expect(attempt).toThrow(/unknown dataset format "xml"/);
  });
});

describe('readRecords format check', () => {
  test('unknown format rejected', async () => {
    const { readRecords } = await import('../../src/dataset/index.js');
    const records = readRecords('/x/golden.jsonl', 'xml' as 'jsonl', { displayPath: 'golden.jsonl' });

    await expect(records.next()).rejects.toThrow(/unknown dataset format "xml"/);
  });
});
