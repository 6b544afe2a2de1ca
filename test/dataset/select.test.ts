import { createHash } from 'node:crypto';

import { describe, expect, test } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { BoundedMaxHeap } from '../../src/dataset/bounded-heap.js';
import { checkSelection, createCaseSelector, parseShard, sampleKey, shardIndex } from '../../src/dataset/index.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function runSelector(ids: string[], selection: Parameters<typeof createCaseSelector>[0]): string[] {
  const selector = createCaseSelector<null>(selection);
  const chosen: string[] = [];
  ids.forEach((id, ordinal) => {
    if (selector.add({ ordinal, id, data: null }) === 'selected') chosen.push(id);
  });
  return [...chosen, ...selector.finish().map((entry) => entry.id)];
}

describe('case selection', () => {
  const ids = Array.from({ length: 300 }, (_, index) => `case-${index}`);

  test('sample key hashes seed and id', () => {
    expect(sampleKey('7', 'abc')).toBe(sha256('7\0abc'));
  });

  test('shard index from digest', () => {
    for (const id of ['1', '2', 'x']) {
      expect(shardIndex(id, 5)).toBe(Number.parseInt(sha256(`shard\0${id}`).slice(0, 8), 16) % 5);
    }
  });

  test('sample picks smallest keys', () => {
    const chosen = runSelector(ids, { sample: 10, seed: 's' });
    const expected = [...ids].sort((a, b) => (sampleKey('s', a) < sampleKey('s', b) ? -1 : 1)).slice(0, 10);

    expect(new Set(chosen)).toEqual(new Set(expected));
  });

  test('sample returns file order', () => {
    const chosen = runSelector(ids, { sample: 25 });
    const positions = chosen.map((id) => ids.indexOf(id));

    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  test('seed defaults to zero', () => {
    expect(runSelector(ids, { sample: 10 })).toEqual(runSelector(ids, { sample: 10, seed: '0' }));
  });

  test('no selection selects everything', () => {
    const selector = createCaseSelector<null>({});
    expect(selector.active).toBe(false);
    expect(runSelector(ids, {})).toEqual(ids);
  });

  test('shard after sample', () => {
    const sample = runSelector(ids, { sample: 40, seed: 'k' });
    const shard = runSelector(ids, { sample: 40, seed: 'k', shard: { index: 2, count: 3 } });

    expect(shard).toEqual(sample.filter((id) => shardIndex(id, 3) === 1));
  });
});

describe('selection arguments', () => {
  test('parseShard reads index/count', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });

  test.each(['0/4', '5/4', '2', 'a/b', '2/0', '-1/3'])('parseShard rejects %s', (text) => {
    const attempt = () => parseShard(text);
    expect(attempt).toThrow(ProofgateError);
    expect(attempt).toThrow(/--shard/);
  });

  test.each([0, -3, 2.5, Number.NaN])('sample %s rejected', (sample) => {
    let caught: unknown;
    try {
      checkSelection({ sample });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ProofgateError);
    expect((caught as ProofgateError).code).toBe('USAGE');
  });
});

describe('BoundedMaxHeap', () => {
  test('keeps smallest values', () => {
    const values = Array.from({ length: 500 }, (_, index) => (index * 7919) % 1009);
    const heap = new BoundedMaxHeap<number>(20, (left, right) => left - right);
    for (const value of values) heap.offer(value);

    const kept = heap.values().sort((a, b) => a - b);
    expect(kept).toEqual([...values].sort((a, b) => a - b).slice(0, 20));
  });

  test('capacity above count keeps all', () => {
    const heap = new BoundedMaxHeap<number>(10, (left, right) => left - right);
    for (const value of [3, 1, 2]) heap.offer(value);
    expect(heap.values().sort()).toEqual([1, 2, 3]);
  });
});
