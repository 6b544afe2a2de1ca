import { describe, expect, it } from 'vitest';

import { findWatchedChanges, lookupValue, type ConfigSnapshot } from '../../src/approval/changes.js';

const BASE: ConfigSnapshot = {
  pipelinePath: 'pipelines/pipeline.yaml',
  config: {
    name: 'faq',
    target: { openai: { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'file:prompts/system.md' }] } },
    config: { prompt: 'file:prompt.md', retrieval: { top_k: 3 } },
    materials: ['app/*.js'],
    gates: ['accuracy >= 0.9'],
    approval: { required: 1, when_changed: ['target.openai', 'config.prompt'] },
  },
  materials: [
    { path: 'pipelines/app/a.js', sha256: '1'.repeat(64) },
    { path: 'pipelines/prompt.md', sha256: '2'.repeat(64) },
    { path: 'pipelines/prompts/system.md', sha256: '3'.repeat(64) },
  ],
};

function changed(edit: (copy: ConfigSnapshot) => void): ConfigSnapshot {
  const copy = structuredClone(BASE) as ConfigSnapshot;
  edit(copy);
  return copy;
}

const WATCHED = ['target.openai', 'config.prompt'];

describe('findWatchedChanges', () => {
  it('finds nothing in an identical copy', () => {
    expect(findWatchedChanges(WATCHED, changed(() => undefined), BASE)).toEqual([]);
  });

  it('ignores a threshold tweak', () => {
    const current = changed((copy) => (copy.config.gates = ['accuracy >= 0.8']));

    expect(findWatchedChanges(WATCHED, current, BASE)).toEqual([]);
  });

  it('finds a model change', () => {
    const current = changed((copy) => ((copy.config.target as any).openai.model = 'gpt-4o'));

    expect(findWatchedChanges(WATCHED, current, BASE)).toEqual(['target.openai changed']);
  });

  it('finds a changed prompt file', () => {
    const current = changed((copy) => (copy.materials = copy.materials.map((m) => (m.path === 'pipelines/prompt.md' ? { ...m, sha256: '9'.repeat(64) } : m))));

    expect(findWatchedChanges(WATCHED, current, BASE)).toEqual(['config.prompt: pipelines/prompt.md changed']);
  });

  it('finds a nested file reference', () => {
    const current = changed((copy) => (copy.materials = copy.materials.map((m) => (m.path === 'pipelines/prompts/system.md' ? { ...m, sha256: '9'.repeat(64) } : m))));

    expect(findWatchedChanges(WATCHED, current, BASE)).toEqual(['target.openai: pipelines/prompts/system.md changed']);
  });

  it('ignores an unwatched file', () => {
    const current = changed((copy) => (copy.materials = copy.materials.map((m) => (m.path === 'pipelines/app/a.js' ? { ...m, sha256: '9'.repeat(64) } : m))));

    expect(findWatchedChanges(WATCHED, current, BASE)).toEqual([]);
  });

  it('finds glob materials under materials', () => {
    const current = changed((copy) => (copy.materials = [...copy.materials, { path: 'pipelines/app/b.js', sha256: '4'.repeat(64) }]));

    expect(findWatchedChanges(['materials'], current, BASE)).toEqual(['materials: pipelines/app/b.js changed']);
  });

  it('finds a changed recordings file', () => {
    const replay = (sha: string) =>
      changed((copy) => {
        copy.config.target = { replay: { path: 'recordings.jsonl' } };
        copy.materials = [{ path: 'pipelines/recordings.jsonl', sha256: sha }];
      });

    expect(findWatchedChanges(['target.replay'], replay('5'.repeat(64)), replay('6'.repeat(64)))).toEqual(['target.replay: pipelines/recordings.jsonl changed']);
  });

  it('always watches the approval block', () => {
    const current = changed((copy) => ((copy.config.approval as any).when_changed = ['config.prompt']));

    expect(findWatchedChanges(['config.prompt'], current, BASE)).toEqual(['approval changed']);
  });

  it('finds an added value', () => {
    const current = changed((copy) => ((copy.config.config as any).temperature = 0));

    expect(findWatchedChanges(['config.temperature'], current, BASE)).toEqual(['config.temperature changed']);
  });

  it('reads array indexes', () => {
    const current = changed((copy) => ((copy.config.target as any).openai.messages[0].role = 'developer'));

    expect(findWatchedChanges(['target.openai.messages[0].role'], current, BASE)).toEqual(['target.openai.messages[0].role changed']);
    expect(findWatchedChanges(['target.openai.messages.0.content'], current, BASE)).toEqual([]);
  });
});

describe('lookupValue', () => {
  it('returns undefined past a scalar', () => {
    expect(lookupValue(BASE.config, ['name', 'length'])).toBeUndefined();
  });

  it('ignores inherited properties', () => {
    expect(lookupValue(BASE.config, ['constructor'])).toBeUndefined();
  });
});
