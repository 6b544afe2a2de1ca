import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedLatencyMs, withCache } from '../../src/cache/target.js';
import { createExecTarget } from '../../src/targets/exec.js';
import { CaseError, type TargetRequest } from '../../src/targets/target.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

// Appends one line per invocation to calls.log, then answers or fails as the case asks.
const PROGRAM = `const fs = require('fs');
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
fs.appendFileSync(__dirname + '/calls.log', input.id + '\\n');
if (input.vars.fail) { process.stderr.write('asked to fail'); process.exit(1); }
process.stdout.write(JSON.stringify({ output: String(input.vars.question).toUpperCase(), usage: { input_tokens: 7 } }));
`;

function setup() {
  dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-cached-'));
  writeFileSync(path.join(dir, 'app.js'), PROGRAM);
  writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}');
  const target = createExecTarget(
    { command: ['node', 'app.js'], timeout_ms: 10_000 },
    { baseDir: dir, env: process.env, readFile: () => '', resolvePath: (relative) => path.join(dir as string, relative) },
  );
  const keyParts = (request: TargetRequest) => ({ id: request.case.id, vars: request.case.vars });
  return { target, keyParts, cacheDir: path.join(dir, 'cache') };
}

function calls(): string[] {
  try {
    return readFileSync(path.join(dir as string, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function request(id: string, vars: Record<string, unknown>): TargetRequest {
  return { case: { id, index: 0, vars }, config: {}, signal: new AbortController().signal };
}

describe('withCache', () => {
  it('serves a repeat from the cache', async () => {
    const { target, keyParts, cacheDir } = setup();

    const first = withCache(target, keyParts, cacheDir);
    const fresh = await first.target.call(request('a', { question: 'hi' }));
    await first.target.close?.();

    const second = withCache(target, keyParts, cacheDir);
    const cached = await second.target.call(request('a', { question: 'hi' }));
    await second.target.close?.();

    expect(calls()).toEqual(['a']);
    expect(cached).toEqual(fresh);
    expect(cachedLatencyMs(fresh)).toBeUndefined();
    expect(cachedLatencyMs(cached)).toBeGreaterThan(0);
    expect(first.stats).toMatchObject({ hits: 0, misses: 1, dir: cacheDir });
    expect(second.stats).toMatchObject({ hits: 1, misses: 0 });
  });

  it('calls again for a changed case', async () => {
    const { target, keyParts, cacheDir } = setup();
    const cached = withCache(target, keyParts, cacheDir);

    await cached.target.call(request('a', { question: 'hi' }));
    await cached.target.close?.();
    await cached.target.call(request('a', { question: 'hello' }));
    await cached.target.close?.();

    expect(calls()).toEqual(['a', 'a']);
    expect(cached.stats.misses).toBe(2);
  });

  it('does not store failures', async () => {
    const { target, keyParts, cacheDir } = setup();
    const cached = withCache(target, keyParts, cacheDir);

    await expect(cached.target.call(request('bad', { question: 'x', fail: true }))).rejects.toBeInstanceOf(CaseError);
    await cached.target.close?.();
    await expect(cached.target.call(request('bad', { question: 'x', fail: true }))).rejects.toBeInstanceOf(CaseError);

    expect(calls()).toEqual(['bad', 'bad']);
    expect(cached.stats.hits).toBe(0);
  });

  it('skips keys without exact JSON', async () => {
    const { target, cacheDir } = setup();
    const cached = withCache(target, () => ({ big: 2 ** 60 }), cacheDir);

    await cached.target.call(request('a', { question: 'hi' }));
    await cached.target.close?.();
    await cached.target.call(request('a', { question: 'hi' }));

    expect(calls()).toEqual(['a', 'a']);
    expect(cached.stats).toMatchObject({ hits: 0, misses: 0 });
  });
});
