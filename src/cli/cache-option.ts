import path from 'node:path';
import type { CacheOptions, CacheStats } from '../cache/target.js';
import { ProofgateError } from '../errors.js';
import type { createStyle } from '../report/style.js';
import type { RunCommandOptions } from './program.js';

/** Turns `--cache-dir` and `--no-cache` into the run's cache options; undefined turns the cache off. */
export function cacheOptionsOf(
  options: Pick<RunCommandOptions, 'cache' | 'cacheDir'>,
  cwd: string,
  stderr: NodeJS.WritableStream,
  style: ReturnType<typeof createStyle>,
): CacheOptions | undefined {
  if (options.cache === false) {
    if (options.cacheDir !== undefined) throw new ProofgateError('USAGE', '--cache-dir and --no-cache contradict each other; pass one of them');
    return undefined;
  }

  return {
    dir: options.cacheDir === undefined ? undefined : path.resolve(cwd, options.cacheDir),
    onWarning: (message) => stderr.write(style.yellow(`proofgate: warning: ${message}\n`)),
  };
}

/** Describes the cache use of a run, such as "cache: 8 of 10 cases served from .proofgate/cache". */
export function describeCache(stats: CacheStats, cwd: string): string {
  const total = stats.hits + stats.misses;
  const where = stats.dir === undefined ? '' : ` from ${path.relative(cwd, stats.dir) || stats.dir}`;
  return `proofgate: cache: ${stats.hits} of ${total} cases served${where}, ${stats.misses} called the target`;
}
