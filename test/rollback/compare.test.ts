import { describe, expect, it } from 'vitest';
import type { EvalPredicate } from '../../src/bundle/statement.js';
import type { LoadedPipeline } from '../../src/config/pipeline.js';
import { describeVersionDifference } from '../../src/rollback/compare.js';

const material = (path: string, sha: string) => ({ path, sha256: sha.repeat(64), gitBlob: '0'.repeat(40) });

function loaded(config: Record<string, unknown>, materials: ReturnType<typeof material>[]): LoadedPipeline {
  return { canonical: config, materials, source: material('pipeline.yaml', 'a') } as unknown as LoadedPipeline;
}

function recorded(config: Record<string, unknown>, materials: ReturnType<typeof material>[]): EvalPredicate {
  return { pipeline: { config }, materials } as unknown as EvalPredicate;
}

describe('describeVersionDifference', () => {
  it('names missing, changed and new materials', () => {
    const lines = describeVersionDifference(
      loaded({ name: 'faq' }, [material('b.md', 'c'), material('new.md', 'd')]),
      recorded({ name: 'faq' }, [material('a.md', 'a'), material('b.md', 'b')]),
    );

    expect(lines).toEqual([
      'a.md: a material of the target version, but the restored config does not use it',
      'b.md: sha256 cccccccccccc after restoring, the bundle recorded bbbbbbbbbbbb',
      'new.md: now a material, but not one of the target version. Move it out of the materials globs',
    ]);
  });

  it('names a changed config', () => {
    const lines = describeVersionDifference(loaded({ name: 'faq', b: 1, a: 2 }, []), recorded({ name: 'faq', a: 2, b: 3 }, []));

    expect(lines).toEqual(['pipeline.yaml: the parsed config differs from the one the bundle recorded']);
  });

  it('ignores key order in the config', () => {
    const lines = describeVersionDifference(loaded({ b: 1, a: 2 }, []), recorded({ a: 2, b: 1 }, []));

    expect(lines).toEqual([expect.stringMatching(/version formula differs/)]);
  });
});
