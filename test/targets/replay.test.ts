import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import type { TargetContext } from '../../src/targets/index.js';
import { createReplayTarget } from '../../src/targets/replay.js';
import { CaseError, type TargetRequest } from '../../src/targets/target.js';

const FILES: Record<string, string> = {
  'recorded.jsonl': [
    '{"id": "a", "output": "alpha"}',
    '',
    '{"id": "b", "output": {"label": "spam"}}',
    '{"id": 3, "output": null}',
    '{"id": "no-output"}',
  ].join('\n'),
  'recorded.json': JSON.stringify([
    { case: 'a', answer: { text: 'from json' } },
    { case: 'b', answer: { text: 'second' } },
  ]),
  'recorded.csv': 'id,output\na,"multi\nline"\nb,plain\n',
  'duplicate.jsonl': '{"id": "a", "output": 1}\n{"id": "b", "output": 2}\n{"id": "a", "output": 3}\n',
  'duplicate.csv': 'id,output\na,"one\ntwo"\nb,x\na,y\n',
  'duplicate-crlf.csv': 'id,output\r\n\r\na,"one\ntwo"\r\nb,x\r\na,y',
  'broken.jsonl': '{"id": "a", "output": 1}\n{"id": "b", output: 2}\n',
  'no-id.jsonl': '{"output": 1}\n',
  'recorded.txt': 'a alpha\n',
};

let baseDir: string;

beforeAll(async () => {
  baseDir = await mkdtemp(path.join(tmpdir(), 'proofgate-replay-'));
  for (const [name, text] of Object.entries(FILES)) {
    await writeFile(path.join(baseDir, name), text);
  }
});

afterAll(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

function makeContext(): TargetContext {
  return {
    baseDir,
    env: {},
    readFile: () => '',
    resolvePath: (relative) => path.join(baseDir, relative),
  };
}

function makeRequest(id: string, vars: Record<string, unknown> = {}): TargetRequest {
  return { case: { id, index: 0, vars }, config: {}, signal: new AbortController().signal };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('createReplayTarget with a file', () => {
  it('joins JSONL recordings by id', async () => {
    const target = await createReplayTarget({ path: 'recorded.jsonl' }, makeContext());

    expect(target.kind).toBe('replay');
    expect(await target.call(makeRequest('a'))).toEqual({ output: 'alpha' });
    expect(await target.call(makeRequest('b'))).toEqual({ output: { label: 'spam' } });
    expect(await target.call(makeRequest('3'))).toEqual({ output: null });
  });

  it('fails a case without recording', async () => {
    const target = await createReplayTarget({ path: 'recorded.jsonl' }, makeContext());

    const error = await failureOf(target.call(makeRequest('zzz')));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('no recorded output for case "zzz"');
  });

  it('fails a recording without output', async () => {
    const target = await createReplayTarget({ path: 'recorded.jsonl' }, makeContext());

    const error = await failureOf(target.call(makeRequest('no-output')));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('recorded.jsonl:5');
    expect(error.message).toContain('"output"');
  });

  it('reads JSON arrays with custom fields', async () => {
    const target = await createReplayTarget({ path: 'recorded.json', id: 'case', output: 'answer.text' }, makeContext());

    expect(await target.call(makeRequest('a'))).toEqual({ output: 'from json' });
    expect(await target.call(makeRequest('b'))).toEqual({ output: 'second' });
  });

  it('reads CSV recordings', async () => {
    const target = await createReplayTarget({ path: 'recorded.csv' }, makeContext());

    expect(await target.call(makeRequest('a'))).toEqual({ output: 'multi\nline' });
    expect(await target.call(makeRequest('b'))).toEqual({ output: 'plain' });
  });

  it('rejects duplicate ids with lines', async () => {
    const cases = [
      { file: 'duplicate.jsonl', where: 'duplicate.jsonl:3', first: 'duplicate.jsonl:1' },
      { file: 'duplicate.csv', where: 'duplicate.csv:5', first: 'duplicate.csv:2' },
      { file: 'duplicate-crlf.csv', where: 'duplicate-crlf.csv:6', first: 'duplicate-crlf.csv:3' },
    ];

    for (const { file, where, first } of cases) {
      const error = await failureOf(createReplayTarget({ path: file }, makeContext()));

      expect(error, file).toBeInstanceOf(ProofgateError);
      expect((error as ProofgateError).code, file).toBe('CONFIG_INVALID');
      expect(error.message, file).toContain(`${where}: duplicate id "a"`);
      expect(error.message, file).toContain(`first recorded at ${first}`);
    }
  });

  it('rejects malformed recordings files', async () => {
    const cases = [
      { file: 'broken.jsonl', expected: 'broken.jsonl:2: invalid JSON' },
      { file: 'no-id.jsonl', expected: 'no-id.jsonl:1: missing id: the recording has no string or number in field "id"' },
      { file: 'recorded.txt', expected: 'unsupported extension' },
      { file: 'missing.jsonl', expected: 'failed to read recordings file missing.jsonl (ENOENT)' },
    ];

    for (const { file, expected } of cases) {
      const error = await failureOf(createReplayTarget({ path: file }, makeContext()));

      expect(error, file).toBeInstanceOf(ProofgateError);
      expect((error as ProofgateError).code, file).toBe('CONFIG_INVALID');
      expect(error.message, file).toContain(expected);
    }
  });
});

describe('createReplayTarget from case fields', () => {
  it('returns the named field', async () => {
    const target = await createReplayTarget({ output: 'response' }, makeContext());

    const result = await target.call(makeRequest('c1', { response: 'logged answer' }));

    expect(result).toEqual({ output: 'logged answer' });
  });

  it('keeps a recorded null', async () => {
    const target = await createReplayTarget({ output: 'response' }, makeContext());

    const result = await target.call(makeRequest('c2', { response: null }));

    expect(result).toEqual({ output: null });
  });

  it('fails a case without the field', async () => {
    const target = await createReplayTarget({}, makeContext());

    const error = await failureOf(target.call(makeRequest('c3', { response: 'x' })));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toBe('case "c3" has no field "output"');
  });
});
