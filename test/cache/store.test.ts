import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_FORMAT, ResponseCache } from '../../src/cache/store.js';

const KEY = 'ab'.repeat(32);
const OTHER_KEY = 'cd'.repeat(32);

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tempDir(): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-cache-'));
  return dir;
}

describe('ResponseCache', () => {
  it('stores and reads an entry', async () => {
    const cache = new ResponseCache(path.join(tempDir(), 'cache'));
    const result = { output: { answer: 42 }, usage: { input_tokens: 3 }, cost_usd: 0.5, metadata: { model: 'm' } };

    await cache.write(KEY, { result, latencyMs: 12.5 });

    expect(await cache.read(KEY)).toEqual({ result, latencyMs: 12.5 });
    expect(await cache.read(OTHER_KEY)).toBeUndefined();
  });

  it('lays entries out by key prefix', async () => {
    const cache = new ResponseCache(path.join(tempDir(), 'cache'));
    await cache.write(KEY, { result: { output: 'x' }, latencyMs: 1 });

    const file = path.join(dir as string, 'cache', 'ab', `${KEY}.json`);
    expect(cache.entryPath(KEY)).toBe(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: CACHE_FORMAT, key: KEY, latency_ms: 1 });
  });

  it('replaces an existing entry', async () => {
    const cache = new ResponseCache(path.join(tempDir(), 'cache'));
    await cache.write(KEY, { result: { output: 'old' }, latencyMs: 1 });
    await cache.write(KEY, { result: { output: 'new' }, latencyMs: 2 });

    expect((await cache.read(KEY))?.result.output).toBe('new');
  });

  it('ignores corrupt entries with a warning', async () => {
    const warnings: string[] = [];
    const cache = new ResponseCache(path.join(tempDir(), 'cache'), (message) => warnings.push(message));
    const broken: Array<[string, string]> = [
      ['truncated JSON', '{"format":"proofgate-cache/v1","key":'],
      ['wrong format', JSON.stringify({ format: 'other', key: KEY, latency_ms: 1, result: { output: 'x' } })],
      ['no output', JSON.stringify({ format: CACHE_FORMAT, key: KEY, latency_ms: 1, result: {} })],
      ['negative latency', JSON.stringify({ format: CACHE_FORMAT, key: KEY, latency_ms: -1, result: { output: 'x' } })],
      ['key of another entry', JSON.stringify({ format: CACHE_FORMAT, key: OTHER_KEY, latency_ms: 1, result: { output: 'x' } })],
    ];

    for (const [label, text] of broken) {
      mkdirSync(path.dirname(cache.entryPath(KEY)), { recursive: true });
      writeFileSync(cache.entryPath(KEY), text);
      expect(await cache.read(KEY), label).toBeUndefined();
    }

    expect(warnings).toHaveLength(broken.length);
    expect(warnings[0]).toContain('ignoring corrupt cache entry');
    expect(warnings[0]).toContain(cache.entryPath(KEY));
  });

  it('limits repeated warnings', async () => {
    const warnings: string[] = [];
    const cache = new ResponseCache(path.join(tempDir(), 'cache'), (message) => warnings.push(message));
    mkdirSync(path.dirname(cache.entryPath(KEY)), { recursive: true });
    writeFileSync(cache.entryPath(KEY), 'not json');

    for (let attempt = 0; attempt < 20; attempt += 1) await cache.read(KEY);

    expect(warnings).toHaveLength(6);
    expect(warnings[5]).toContain('further cache warnings are not shown');
  });

  it('git-ignores a folder it creates', async () => {
    const cacheDir = path.join(tempDir(), 'new', 'cache');
    await new ResponseCache(cacheDir).write(KEY, { result: { output: 'x' }, latencyMs: 1 });

    expect(readFileSync(path.join(cacheDir, '.gitignore'), 'utf8')).toContain('*');
  });

  it('leaves an existing folder unignored', async () => {
    const existing = tempDir();
    await new ResponseCache(existing).write(KEY, { result: { output: 'x' }, latencyMs: 1 });

    expect(existsSync(path.join(existing, '.gitignore'))).toBe(false);
  });

  it('warns when an entry cannot be written', async () => {
    const warnings: string[] = [];
    const blocker = path.join(tempDir(), 'file');
    writeFileSync(blocker, 'a file where the cache folder should be');
    const cache = new ResponseCache(blocker, (message) => warnings.push(message));

    await cache.write(KEY, { result: { output: 'x' }, latencyMs: 1 });

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('cannot write cache entry');
  });

  it('rejects a malformed key', () => {
    const cache = new ResponseCache('/tmp/unused');
    expect(() => cache.entryPath('../escape')).toThrow(RangeError);
  });
});
