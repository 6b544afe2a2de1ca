import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TargetResult } from '../targets/target.js';

/** Format tag of a cache entry file; entries with another tag are ignored. */
export const CACHE_FORMAT = 'proofgate-cache/v1';

const KEY_PATTERN = /^[0-9a-f]{64}$/;

// Enough to show that something is wrong without flooding a CI log when a
// whole cache folder is damaged.
const MAX_WARNINGS = 5;

/** One cached response: the target's result and how long the call that produced it took. */
export interface CacheEntry {
  result: TargetResult;
  latencyMs: number;
}

/**
 * A content-addressed store of target responses, one JSON file per key at
 * `<dir>/<first 2 hex digits>/<key>.json`. Entries are written to a temporary
 * file and renamed into place, so a reader never sees half an entry, even when
 * runs share the folder. A damaged or unreadable entry counts as a miss, with
 * a warning through `onWarning`, and the next write replaces it.
 */
export class ResponseCache {
  private warnings = 0;
  private prepared: Promise<void> | undefined;
  private readonly folders = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  /** Returns the path of the entry file for `key`. */
  entryPath(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new RangeError(`a cache key is 64 lowercase hex digits, not "${key}"`);
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** Returns the entry for `key`, or undefined when there is none or it cannot be used. */
  async read(key: string): Promise<CacheEntry | undefined> {
    const file = this.entryPath(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.warn(`cannot read cache entry ${file} (${code ?? String(error)}); calling the target instead`);
      return undefined;
    }

    const entry = parseEntry(text, key);
    if (typeof entry === 'string') {
      this.warn(`ignoring corrupt cache entry ${file}: ${entry}; calling the target instead`);
      return undefined;
    }

    return entry;
  }

  /**
   * Stores `entry` under `key`, replacing any earlier file. A failed write
   * only warns, because the run's results do not depend on the cache.
   */
  async write(key: string, entry: CacheEntry): Promise<void> {
    const file = this.entryPath(key);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const text = `${JSON.stringify({ format: CACHE_FORMAT, key, latency_ms: entry.latencyMs, result: entry.result })}\n`;

    try {
      await this.prepare();
      await this.ensureFolder(path.dirname(file));
      await writeFile(temporary, text, { flag: 'wx' });
      await rename(temporary, file);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      this.warn(`cannot write cache entry ${file} (${code ?? String(error)}); the run goes on without caching it`);
    }
  }

  // Entries spread over 256 folders; creating each once per run instead of
  // once per entry saves a system call on every case.
  private ensureFolder(folder: string): Promise<unknown> {
    let created = this.folders.get(folder);
    if (created === undefined) {
      created = mkdir(folder, { recursive: true });
      this.folders.set(folder, created);
      created.catch(() => this.folders.delete(folder));
    }
    return created;
  }

  // A cache folder that proofgate creates gets a .gitignore of its own, so its
  // entries never end up in a commit. A folder that already existed is left
  // alone, since it could be any folder the user named with --cache-dir.
  private prepare(): Promise<void> {
    this.prepared ??= mkdir(this.dir, { recursive: true }).then(async (created) => {
      if (created === undefined) return;
      await writeFile(path.join(this.dir, '.gitignore'), '# response cache written by proofgate run\n*\n', { flag: 'wx' }).catch(() => undefined);
    });
    return this.prepared;
  }

  private warn(message: string): void {
    this.warnings += 1;
    if (this.warnings <= MAX_WARNINGS) this.onWarning(message);
    if (this.warnings === MAX_WARNINGS + 1) this.onWarning('more cache entries could not be used; further cache warnings are not shown');
  }
}

/** Checks an entry file's text; returns the entry, or why it cannot be used. */
function parseEntry(text: string, key: string): CacheEntry | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'it is not valid JSON';
  }

  if (!isRecord(value)) return 'it is not a JSON object';
  if (value.format !== CACHE_FORMAT) return `its format is ${JSON.stringify(value.format)} instead of "${CACHE_FORMAT}"`;
  if (value.key !== key) return 'the key inside it does not match its file name';

  const latency = value.latency_ms;
  if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) return 'latency_ms is not a non-negative number';

  const result = value.result;
  if (!isRecord(result) || !Object.hasOwn(result, 'output')) return 'result has no output';
  if (result.usage !== undefined && !isRecord(result.usage)) return 'result.usage is not an object';
  if (result.metadata !== undefined && !isRecord(result.metadata)) return 'result.metadata is not an object';
  if (result.cost_usd !== undefined && typeof result.cost_usd !== 'number') return 'result.cost_usd is not a number';

  return { result: result as unknown as TargetResult, latencyMs: latency };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
