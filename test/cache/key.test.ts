import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheKey, targetKeyParts, type KeyedPipeline } from '../../src/cache/key.js';
import type { TargetSpec } from '../../src/targets/index.js';
import type { TargetRequest } from '../../src/targets/target.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const VERSION = 'a'.repeat(64);

function request(vars: Record<string, unknown>, id = 'c1', config: Record<string, unknown> = {}): TargetRequest {
  return { case: { id, index: 0, vars }, config, signal: new AbortController().signal };
}

function pipelineWith(target: TargetSpec, overrides: Partial<KeyedPipeline> = {}): KeyedPipeline {
  const root = overrides.root ?? '/project';
  return { target, version: VERSION, root, baseDir: root, fileTexts: new Map([['file:system.md', 'Answer briefly.']]), ...overrides };
}

function openaiSpec(extra: Record<string, unknown> = {}): TargetSpec {
  return {
    openai: {
      model: 'test-model',
      base_url: 'http://127.0.0.1:9/v1',
      messages: [
        { role: 'system', content: 'file:system.md' },
        { role: 'user', content: 'Capital of {{country}}?' },
      ],
      temperature: 0,
      ...extra,
    },
  } as TargetSpec;
}

function keyOf(pipeline: KeyedPipeline, item: TargetRequest): string {
  const parts = targetKeyParts(pipeline);
  if (parts === undefined) throw new Error('expected key parts');
  return cacheKey(parts(item));
}

describe('openai cache key', () => {
  const base = keyOf(pipelineWith(openaiSpec()), request({ country: 'France' }));

  it('is stable for the same request', () => {
    expect(keyOf(pipelineWith(openaiSpec()), request({ country: 'France' }))).toBe(base);
  });

  it('ignores the case id', () => {
    expect(keyOf(pipelineWith(openaiSpec()), request({ country: 'France' }, 'other-id'))).toBe(base);
  });

  it('changes with the prompt file', () => {
    const pipeline = pipelineWith(openaiSpec(), { fileTexts: new Map([['file:system.md', 'Answer in full sentences.']]) });
    expect(keyOf(pipeline, request({ country: 'France' }))).not.toBe(base);
  });

  it('changes with temperature', () => {
    expect(keyOf(pipelineWith(openaiSpec({ temperature: 0.7 })), request({ country: 'France' }))).not.toBe(base);
  });

  it('changes with extra params', () => {
    expect(keyOf(pipelineWith(openaiSpec({ params: { top_k: 5 } })), request({ country: 'France' }))).not.toBe(base);
  });

  it('changes with the model', () => {
    expect(keyOf(pipelineWith(openaiSpec({ model: 'other-model' })), request({ country: 'France' }))).not.toBe(base);
  });

  it('changes with the rendered case', () => {
    expect(keyOf(pipelineWith(openaiSpec()), request({ country: 'Italy' }))).not.toBe(base);
  });

  it('ignores case fields the prompt omits', () => {
    expect(keyOf(pipelineWith(openaiSpec()), request({ country: 'France', capital: 'Paris' }))).toBe(base);
  });

  it('changes with pricing', () => {
    const priced = openaiSpec({ pricing: { input_per_million: 1, output_per_million: 2 } });
    expect(keyOf(pipelineWith(priced), request({ country: 'France' }))).not.toBe(base);
  });

  it('leaves out the API key', () => {
    const parts = targetKeyParts(pipelineWith(openaiSpec({ api_key_env: 'TEST_KEY' })));
    const text = JSON.stringify(parts?.(request({ country: 'France' })));

    expect(text).not.toContain('authorization');
    expect(text).toContain('"model":"test-model"');
  });
});

describe('exec cache key', () => {
  function execPipeline(script: string, overrides: Partial<KeyedPipeline> = {}, env?: Record<string, string>): KeyedPipeline {
    dir ??= mkdtempSync(path.join(os.tmpdir(), 'proofgate-key-'));
    writeFileSync(path.join(dir, 'app.js'), script);
    return pipelineWith({ exec: { command: ['node', 'app.js'], ...(env ? { env } : {}) } }, { root: dir, baseDir: dir, ...overrides });
  }

  it('is stable for the same request', () => {
    const first = keyOf(execPipeline('v1'), request({ q: 1 }));
    expect(keyOf(execPipeline('v1'), request({ q: 1 }))).toBe(first);
  });

  it('changes with the program bytes', () => {
    const first = keyOf(execPipeline('v1'), request({ q: 1 }));
    expect(keyOf(execPipeline('v2'), request({ q: 1 }))).not.toBe(first);
  });

  it('changes with the version', () => {
    const first = keyOf(execPipeline('v1'), request({ q: 1 }));
    expect(keyOf(execPipeline('v1', { version: 'b'.repeat(64) }), request({ q: 1 }))).not.toBe(first);
  });

  it('changes with the stdin JSON', () => {
    const pipeline = execPipeline('v1');
    const first = keyOf(pipeline, request({ q: 1 }));

    expect(keyOf(pipeline, request({ q: 2 }))).not.toBe(first);
    expect(keyOf(pipeline, request({ q: 1 }, 'c2'))).not.toBe(first);
    expect(keyOf(pipeline, request({ q: 1 }, 'c1', { prompt: 'new' }))).not.toBe(first);
  });

  it('changes with the env block', () => {
    const first = keyOf(execPipeline('v1'), request({ q: 1 }));
    expect(keyOf(execPipeline('v1', {}, { MODE: 'fast' }), request({ q: 1 }))).not.toBe(first);
  });

  it('names files by project path', () => {
    const parts = targetKeyParts(execPipeline('v1'))?.(request({ q: 1 })) as { files: Record<string, string>; command: string[] };

    expect(Object.keys(parts.files)).toEqual(['app.js']);
    expect(parts.command).toEqual(['node', 'app.js']);
  });
});

describe('replay cache key', () => {
  it('is not cached', () => {
    expect(targetKeyParts(pipelineWith({ replay: { output: '{{output}}' } } as TargetSpec))).toBeUndefined();
  });
});
