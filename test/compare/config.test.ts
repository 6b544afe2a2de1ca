import { describe, expect, it } from 'vitest';
import { appendPathStep, diffConfig } from '../../src/compare/config.js';
import { diffMaterials, recordedFiles } from '../../src/compare/materials.js';

describe('diffConfig', () => {
  it('names changes by YAML path', () => {
    const before = { scorers: [{ name: 'a', threshold: 0.5 }, { name: 'b', threshold: 0.5 }], config: { top_k: 3 } };
    const after = { scorers: [{ name: 'a', threshold: 0.5 }, { name: 'b', threshold: 0.6 }], config: { top_k: 3 } };

    expect(diffConfig(before, after)).toEqual([{ path: 'scorers[1].threshold', kind: 'changed', before: 0.5, after: 0.6 }]);
  });

  it('reports added and removed keys', () => {
    const changes = diffConfig({ config: { a: 1, b: 2 } }, { config: { b: 2, c: { d: true } } });
    expect(changes).toEqual([
      { path: 'config.a', kind: 'removed', before: 1 },
      { path: 'config.c', kind: 'added', after: { d: true } },
    ]);
  });

  it('compares arrays by position', () => {
    const changes = diffConfig({ gates: ['x >= 1'] }, { gates: ['x >= 1', 'y <= 2'] });
    expect(changes).toEqual([{ path: 'gates[1]', kind: 'added', after: 'y <= 2' }]);

    const shorter = diffConfig({ gates: ['x >= 1', 'y <= 2'] }, { gates: ['y <= 2'] });
    expect(shorter).toEqual([
      { path: 'gates[0]', kind: 'changed', before: 'x >= 1', after: 'y <= 2' },
      { path: 'gates[1]', kind: 'removed', before: 'y <= 2' },
    ]);
  });

  it('reports a type change whole', () => {
    expect(diffConfig({ materials: ['a'] }, { materials: 'a' })).toEqual([{ path: 'materials', kind: 'changed', before: ['a'], after: 'a' }]);
  });

  it('finds nothing in equal configs', () => {
    const config = { name: 'x', config: { nested: [1, { a: null }] } };
    expect(diffConfig(config, structuredClone(config))).toEqual([]);
  });

  it('quotes unusual keys', () => {
    expect(appendPathStep('metrics', 'answer-f1')).toBe('metrics.answer-f1');
    expect(appendPathStep('metrics', 'p95 latency')).toBe('metrics["p95 latency"]');
    expect(appendPathStep('config', 'a.b')).toBe('config["a.b"]');
    expect(appendPathStep('', 'name')).toBe('name');
    expect(appendPathStep('scorers', 2)).toBe('scorers[2]');
  });
});

describe('diffMaterials', () => {
  it('sorts changes by kind', () => {
    const before = [
      { path: 'b.md', sha256: '1' },
      { path: 'a.js', sha256: '2' },
      { path: 'old.txt', sha256: '3' },
    ];
    const after = [
      { path: 'a.js', sha256: '2' },
      { path: 'b.md', sha256: '9' },
      { path: 'new.txt', sha256: '4' },
    ];

    expect(diffMaterials(before, after)).toEqual({
      changed: [{ path: 'b.md', before: '1', after: '9' }],
      added: [{ path: 'new.txt', sha256: '4' }],
      removed: [{ path: 'old.txt', sha256: '3' }],
      unchanged: 1,
    });
  });

  it('skips malformed entries', () => {
    expect(recordedFiles([{ path: 'a', sha256: 'b', gitBlob: 'c' }, { path: 1 }, 'x'])).toEqual([{ path: 'a', sha256: 'b' }]);
    expect(recordedFiles(undefined)).toEqual([]);
  });
});
