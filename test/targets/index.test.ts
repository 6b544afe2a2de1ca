import { describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { createTarget, targetKind, type TargetContext, type TargetSpec } from '../../src/targets/index.js';

const CONTEXT: TargetContext = {
  baseDir: '/project',
  env: {},
  readFile: () => '',
  resolvePath: (relative) => `/project/${relative}`,
};

describe('targetKind', () => {
  it('names each kind', () => {
    expect(targetKind({ exec: { command: ['node', 'app.js'] } })).toBe('exec');
    expect(targetKind({ openai: { model: 'm', prompt: 'hi' } })).toBe('openai');
    expect(targetKind({ replay: {} })).toBe('replay');
  });

  it('rejects two kinds at once', () => {
    const spec = { exec: { command: ['x'] }, replay: {} } as unknown as TargetSpec;

    expect(() => targetKind(spec)).toThrow(ProofgateError);
    expect(() => targetKind(spec)).toThrow(/has exec and replay/);
  });
});

describe('createTarget', () => {
  it('builds the named kind', async () => {
    const exec = await createTarget({ exec: { command: ['node', 'app.js'] } }, CONTEXT);
    const openai = await createTarget({ openai: { model: 'm', base_url: 'http://127.0.0.1:9', prompt: 'hi' } }, CONTEXT);
    const replay = await createTarget({ replay: { output: 'answer' } }, CONTEXT);

    expect([exec.kind, openai.kind, replay.kind]).toEqual(['exec', 'openai', 'replay']);
  });

  it('rejects an empty command', async () => {
    await expect(createTarget({ exec: { command: [] } }, CONTEXT)).rejects.toThrow(/command is empty/);
  });
});
