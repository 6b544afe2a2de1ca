import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll } from 'vitest';

import type { DatasetFormat, DatasetSpec } from '../../src/dataset/types.js';

/** Creates a temporary folder for one test file, removed after its tests. */
export function useTempDir(): (name: string, content: string | Buffer) => string {
  const dir = mkdtempSync(join(tmpdir(), 'proofgate-dataset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  return (name, content) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
}

/** Builds a dataset spec for a file, with no skip rules unless given. */
export function specFor(path: string, format: DatasetFormat, extra: Partial<DatasetSpec> = {}): DatasetSpec {
  const displayPath = path.split('/').pop() ?? path;
  return { path, displayPath, format, require: [], skipIf: [], ...extra };
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
