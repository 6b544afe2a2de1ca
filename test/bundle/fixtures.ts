import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach } from 'vitest';

const VECTOR_DIR = new URL('../fixtures/vectors/', import.meta.url);

/** Reads a vector file copied from the reference notes into test/fixtures/vectors/. */
export async function readVectorText(name: string): Promise<string> {
  return readFile(new URL(name, VECTOR_DIR), 'utf8');
}

/** Parses a JSON Lines vector file, one object per non-empty line. */
export async function readVectorLines<T>(name: string): Promise<T[]> {
  const text = await readVectorText(name);

  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Creates a temporary folder that is removed after the current test. */
export function useTempDirs(): () => Promise<string> {
  const created: string[] = [];

  afterEach(async () => {
    await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proofgate-bundle-'));

    created.push(dir);
    return dir;
  };
}

/** Returns the error a synchronous call throws, or fails when it does not throw. */
export function catchError(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }

  throw new Error('expected the call to throw, but it returned normally');
}

/** Returns the error a promise rejects with, or fails when it resolves. */
export async function catchRejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }

  throw new Error('expected the promise to reject, but it resolved');
}
