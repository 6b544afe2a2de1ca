import { describe, expect, it } from 'vitest';
import type { ShardPredicate } from '../../src/bundle/shard-statement.js';
import { shardIndex } from '../../src/dataset/index.js';
import type { CaseRecord } from '../../src/run/case.js';
import { findMergeProblems, type ShardPart } from '../../src/run/parts.js';

const IDS = Array.from({ length: 20 }, (_, index) => `id-${index}`);

function record(id: string): CaseRecord {
  return { id, pass: true, latency_ms: 1, scores: {} };
}

function part(index: number, count: number, overrides: { version?: string; ids?: string[]; sample?: number } = {}): ShardPart {
  const ids = overrides.ids ?? IDS.filter((id) => shardIndex(id, count) === index - 1);
  const predicate = {
    pipeline: { name: 'demo', version: overrides.version ?? 'a'.repeat(64), path: 'pipeline.yaml' },
    dataset: { sha256: 'b'.repeat(64), ...(overrides.sample === undefined ? {} : { sample: overrides.sample, seed: '0' }) },
    shard: { index, count },
    summary: { cases: ids.length },
  } as unknown as ShardPredicate;

  return { name: `part-${index}.json`, bundle: {} as ShardPart['bundle'], predicate, statementSha256: 'c'.repeat(64), records: ids.map(record) };
}

describe('findMergeProblems', () => {
  it('accepts a complete set', () => {
    expect(findMergeProblems([part(2, 3), part(1, 3), part(3, 3)])).toEqual([]);
  });

  it('needs at least one part', () => {
    expect(findMergeProblems([])).toEqual(['no shard parts were given']);
  });

  it('names a missing shard', () => {
    expect(findMergeProblems([part(1, 3), part(3, 3)])).toEqual([expect.stringContaining('shard 2/3 is missing')]);
  });

  it('names a different version', () => {
    const problems = findMergeProblems([part(1, 2), part(2, 2, { version: 'f'.repeat(64) })]);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('part-2.json has pipeline version ffff');
  });

  it('names a different shard count', () => {
    expect(findMergeProblems([part(1, 2), part(2, 3)])).toContainEqual(expect.stringContaining('has shard count 3, but part-1.json has 2'));
  });

  it('names a different sample', () => {
    expect(findMergeProblems([part(1, 2), part(2, 2, { sample: 5 })])).toContainEqual(expect.stringContaining('has --sample 5'));
  });

  it('names a case in the wrong shard', () => {
    const stray = IDS.find((id) => shardIndex(id, 2) === 1) as string;
    const first = part(1, 2);
    first.records.push(record(stray));
    first.predicate.summary.cases += 1;
    const second = part(2, 2, { ids: IDS.filter((id) => shardIndex(id, 2) === 1 && id !== stray) });

    expect(findMergeProblems([first, second])).toEqual([`case "${stray}" in part-1.json (shard 1/2) belongs to shard 2/2`]);
  });

  it('names a count mismatch', () => {
    const first = part(1, 2);
    first.predicate.summary.cases += 1;

    expect(findMergeProblems([first, part(2, 2)])).toEqual([expect.stringContaining('part-1.json holds')]);
  });
});
