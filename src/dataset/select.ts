import { createHash } from 'node:crypto';

import { ProofgateError } from '../errors.js';
import { BoundedMaxHeap } from './bounded-heap.js';
import type { Selection } from './types.js';

export const DEFAULT_SEED = '0';

/** A case offered to a selector, with data the caller wants back for the chosen ones. */
export interface SelectionEntry<T> {
  ordinal: number;
  id: string;
  data: T;
}

/**
 * `selected` and `rejected` are final as soon as a case is offered. With
 * `--sample`, a case is `held` until every case has been seen, and `finish`
 * returns the held cases that made the sample.
 */
export type SelectionVerdict = 'selected' | 'rejected' | 'held';

export interface CaseSelector<T> {
  /** Whether any selection applies. When false, every case is selected. */
  readonly active: boolean;
  add(entry: SelectionEntry<T>): SelectionVerdict;
  /** Returns the held cases that are in the sample and the shard, in file order. */
  finish(): SelectionEntry<T>[];
}

interface SampleEntry<T> extends SelectionEntry<T> {
  key: string;
}

/**
 * Chooses cases by id alone, so the choice does not depend on file order:
 * `--sample N` keeps the N cases with the smallest sha256(seed NUL id), then
 * `--shard i/n` keeps those whose sha256("shard" NUL id) is i-1 modulo n.
 */
export function createCaseSelector<T>(selection: Selection): CaseSelector<T> {
  checkSelection(selection);
  const { sample, shard } = selection;
  const seed = selection.seed ?? DEFAULT_SEED;
  const inShard = (id: string): boolean => shard === undefined || shardIndex(id, shard.count) === shard.index - 1;

  if (sample === undefined) {
    return {
      active: shard !== undefined,
      add: (entry) => (inShard(entry.id) ? 'selected' : 'rejected'),
      finish: () => [],
    };
  }

  const heap = new BoundedMaxHeap<SampleEntry<T>>(sample, (left, right) => compareKeys(left.key, right.key));
  return {
    active: true,
    add: (entry) => (heap.offer({ ...entry, key: sampleKey(seed, entry.id) }) ? 'held' : 'rejected'),
    finish: () =>
      heap
        .values()
        .filter((entry) => inShard(entry.id))
        .sort((left, right) => left.ordinal - right.ordinal)
        .map(({ ordinal, id, data }) => ({ ordinal, id, data })),
  };
}

/** Returns the hex sha256 that orders cases for `--sample`. */
export function sampleKey(seed: string, id: string): string {
  return sha256Hex(`${seed}\0${id}`);
}

/** Returns the 0-based shard a case id falls in, out of `count` shards. */
export function shardIndex(id: string, count: number): number {
  // The first 32 bits of the digest are uniform enough for any practical shard count.
  return Number.parseInt(sha256Hex(`shard\0${id}`).slice(0, 8), 16) % count;
}

/** Parses the `I/N` argument of `--shard` (1 <= I <= N). */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) {
    throw new ProofgateError('USAGE', `--shard expects INDEX/COUNT such as 2/4, got "${text}"`);
  }

  const shard = { index: Number(match[1]), count: Number(match[2]) };
  checkSelection({ shard });
  return shard;
}

/** Throws USAGE for a sample size or shard that cannot select anything meaningful. */
export function checkSelection(selection: Selection): void {
  const { sample, shard } = selection;
  if (sample !== undefined && (!Number.isSafeInteger(sample) || sample < 1)) {
    throw new ProofgateError('USAGE', `--sample expects a whole number of cases of at least 1, got ${sample}`);
  }

  if (shard === undefined) return;

  if (!Number.isSafeInteger(shard.count) || shard.count < 1) {
    throw new ProofgateError('USAGE', `--shard expects a shard count of at least 1, got ${shard.index}/${shard.count}`);
  }

  if (!Number.isSafeInteger(shard.index) || shard.index < 1 || shard.index > shard.count) {
    throw new ProofgateError('USAGE', `--shard index must be between 1 and ${shard.count}, got ${shard.index}/${shard.count}`);
  }
}

/** Describes a selection for messages, e.g. "--sample 50 --seed 7 --shard 2/4". */
export function describeSelection(selection: Selection): string {
  const parts: string[] = [];
  if (selection.sample !== undefined) parts.push(`--sample ${selection.sample} --seed ${selection.seed ?? DEFAULT_SEED}`);
  if (selection.shard !== undefined) parts.push(`--shard ${selection.shard.index}/${selection.shard.count}`);
  return parts.join(' ');
}

function compareKeys(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
