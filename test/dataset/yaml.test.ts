import { describe, expect, test } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { readRecords } from '../../src/dataset/index.js';
import { collect, useTempDir } from './temp-files.js';

const write = useTempDir();

async function readYaml(name: string, content: string) {
  return collect(readRecords(write(name, content), 'yaml', { displayPath: 'golden.yaml' }));
}

async function yamlError(name: string, content: string): Promise<ProofgateError> {
  const error = await readYaml(name, content).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ProofgateError);
  return error as ProofgateError;
}

describe('yaml reader', () => {
  test('list of mappings with lines', async () => {
    const records = await readYaml('list.yaml', '# golden set\n- id: a\n  answer: 42\n\n- id: b\n  answer: 3.5\n');

    expect(records).toEqual([
      { record: { id: 'a', answer: 42 }, line: 2, ordinal: 0 },
      { record: { id: 'b', answer: 3.5 }, line: 5, ordinal: 1 },
    ]);
  });

  test('YAML 1.1 booleans stay strings', async () => {
    const [first] = await readYaml('bools.yaml', '- a: yes\n  b: Off\n  c: no\n  d: on\n  e: y\n  f: true\n');

    expect(first?.record).toEqual({ a: 'yes', b: 'Off', c: 'no', d: 'on', e: 'y', f: true });
  });

  test('numbers keep source text', async () => {
    const source = ['- a: 3.10', '  b: 007', '  c: 18.0', '  d: 1e3', '  e: +1', '  f: 0x1F', '  g: .5', '  h: .inf'].join('\n');
    const [first] = await readYaml('numbers.yaml', `${source}\n`);

    expect(first?.record).toEqual({ a: '3.10', b: '007', c: '18.0', d: '1e3', e: '+1', f: '0x1F', g: '.5', h: '.inf' });
  });

  test('plain numbers stay numbers', async () => {
    const [first] = await readYaml('plain.yaml', '- a: 42\n  b: -7\n  c: 0.25\n  d: 0\n');

    expect(first?.record).toEqual({ a: 42, b: -7, c: 0.25, d: 0 });
  });

  test('explicit tag keeps number', async () => {
    const [first] = await readYaml('tagged.yaml', '- a: !!float 3.10\n  b: "007"\n');

    expect(first?.record).toEqual({ a: 3.1, b: '007' });
  });

  test('numeric keys keep text', async () => {
    const [first] = await readYaml('keys.yaml', '- 007: x\n  1.50: y\n');
    expect(first?.record).toEqual({ '007': 'x', '1.50': 'y' });
  });

  test('duplicate key names position', async () => {
    const error = await yamlError('dupe.yaml', '- id: a\n  answer: 1\n- id: b\n  answer: 2\n  answer: 3\n');

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/^golden\.yaml:5:3: invalid YAML: duplicate key/);
    expect(error.details).toHaveLength(1);
  });

  test('syntax error names position', async () => {
    const error = await yamlError('broken.yaml', '- id: a\n  q: "unterminated\n');

    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/^golden\.yaml:\d+:\d+: invalid YAML: /);
  });

  test('mapping at top rejected', async () => {
    const error = await yamlError('map.yaml', 'cases:\n  - id: a\n');
    expect(error.message).toBe('golden.yaml:1:1: expected a YAML list of mappings ("- key: value"), found an object');
  });

  test('scalar item rejected', async () => {
    const error = await yamlError('scalar.yaml', '- id: a\n- just text\n');
    expect(error.message).toMatch(/^golden\.yaml:2:3: item 2 is a string; every item of the list must be a mapping/);
  });

  test('empty document has no records', async () => {
    expect(await readYaml('empty.yaml', '# nothing yet\n')).toEqual([]);
  });

  test('aliases resolve', async () => {
    const records = await readYaml('alias.yaml', '- &base {id: a, answer: 007}\n- {id: b, answer: 1}\n');
    expect(records[0]?.record).toEqual({ id: 'a', answer: '007' });
  });
});
