import path from 'node:path';
import { isProofgateError } from '../errors.js';
import type { Target, TargetRequest, TargetResult } from '../targets/target.js';
import { cacheKey, targetKeyParts, type KeyedPipeline, type KeyParts } from './key.js';
import { ResponseCache } from './store.js';

export interface CacheOptions {
  /** Cache folder, absolute or relative to the process's working directory; default `<project root>/.proofgate/cache`. */
  dir?: string;
  /** Receives one line per cache entry that could not be read or written. */
  onWarning?: (message: string) => void;
}

/** Counts of cache use during one run. */
export interface CacheStats {
  /** Absolute path of the cache folder; absent for `proofgate merge`, whose counts come from the shard parts. */
  dir?: string;
  /** Cases served from the cache, without calling the target. */
  hits: number;
  /** Cases that called the target; their responses were stored. */
  misses: number;
}

/** A target wrapped by the cache, and the counts it keeps. */
export interface CachedTarget {
  target: Target;
  stats: CacheStats;
}

// Results served from the cache, with the latency of the call that produced
// them. A WeakMap keeps TargetResult free of cache fields.
const servedFromCache = new WeakMap<TargetResult, number>();
const measuredLive = new WeakMap<TargetResult, number>();

/**
 * Returns the latency in ms of the original call when `result` came from the
 * response cache, else undefined.
 */
export function cachedLatencyMs(result: TargetResult): number | undefined {
  return servedFromCache.get(result);
}

/**
 * Returns the latency in ms of the target call itself when `result` passed
 * through the cache as a miss, else undefined. Recording this rather than
 * the time around the cache makes a live case and the same case served from
 * the cache later report the same latency.
 */
export function liveLatencyMs(result: TargetResult): number | undefined {
  return measuredLive.get(result);
}

/**
 * Wraps the pipeline's target in the response cache. Returns undefined for a
 * replay target, which is never cached.
 */
export function cacheTarget(target: Target, pipeline: KeyedPipeline, options: CacheOptions): CachedTarget | undefined {
  const keyParts = targetKeyParts(pipeline);
  if (keyParts === undefined) return undefined;

  const dir = path.resolve(options.dir ?? path.join(pipeline.root, '.proofgate', 'cache'));
  return withCache(target, keyParts, dir, options.onWarning);
}

/**
 * Returns a target that serves a case from `dir` when an entry with the
 * same key exists, and otherwise calls `target` and stores the response.
 * Failed calls are not stored, so a case that errored is tried again on the
 * next run. Entries are written in the background; close() waits for them.
 */
export function withCache(target: Target, keyParts: KeyParts, dir: string, onWarning?: (message: string) => void): CachedTarget {
  const cache = new ResponseCache(dir, onWarning);
  const stats: CacheStats = { dir, hits: 0, misses: 0 };
  const writes = new Set<Promise<void>>();

  async function call(request: TargetRequest): Promise<TargetResult> {
    const key = keyOf(keyParts, request);
    if (key === undefined) return target.call(request);

    const entry = await cache.read(key);
    if (entry !== undefined) {
      stats.hits += 1;
      servedFromCache.set(entry.result, entry.latencyMs);
      return entry.result;
    }

    stats.misses += 1;
    const started = performance.now();
    const result = await target.call(request);
    const latencyMs = roundMs(performance.now() - started);
    measuredLive.set(result, latencyMs);
    const write = cache.write(key, { result, latencyMs });
    writes.add(write);
    void write.finally(() => writes.delete(write));
    return result;
  }

  async function close(): Promise<void> {
    await Promise.all(writes);
    await target.close?.();
  }

  return { target: { kind: target.kind, call, close }, stats };
}

// A case whose values have no exact JSON form (an integer beyond 2^53, say)
// cannot be keyed, so it calls the target without the cache.
function keyOf(keyParts: KeyParts, request: TargetRequest): string | undefined {
  try {
    return cacheKey(keyParts(request));
  } catch (error) {
    if (isProofgateError(error) && error.code === 'UNSAFE_NUMBER') return undefined;
    throw error;
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
