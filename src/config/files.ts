import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ProofgateError } from '../errors.js';
import { gitBlobId } from '../git/blob.js';

/** A file whose bytes are part of the version, as recorded in bundles. */
export interface Material {
  /** Path relative to the project root, with forward slashes. */
  path: string;
  sha256: string;
  gitBlob: string;
}

export const FILE_REFERENCE_PREFIX = 'file:';

export function isFileReference(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(FILE_REFERENCE_PREFIX);
}

/** Converts an absolute path to the project-relative form used in bundles and messages. */
export function toProjectPath(root: string, absolute: string): string {
  return path.relative(root, absolute).split(path.sep).join('/');
}

/**
 * Resolves `relative` against `baseDir` and rejects anything that lands
 * outside the project root, following symbolic links, so that a version
 * never depends on a file the repository does not contain.
 */
export function resolveInsideRoot(root: string, baseDir: string, relative: string, what: string): string {
  const absolute = path.resolve(baseDir, relative);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    throw new ProofgateError('CONFIG_INVALID', `${what} "${relative}" not found (looked for ${absolute})`);
  }

  if (!statSync(real).isFile()) {
    throw new ProofgateError('CONFIG_INVALID', `${what} "${relative}" is a folder, not a file`);
  }

  const realRoot = realpathSync(root);
  const fromRoot = path.relative(realRoot, real);
  if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
    throw new ProofgateError(
      'FILE_OUTSIDE_ROOT',
      `${what} "${relative}" resolves to ${real}, outside the project root ${realRoot}; move the file into the repository`,
    );
  }

  return absolute;
}

/** Reads a file and records its sha256 and git blob id. */
export function hashFile(root: string, absolute: string): { material: Material; bytes: Buffer } {
  const bytes = readFileSync(absolute);
  return {
    bytes,
    material: {
      path: toProjectPath(root, absolute),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      gitBlob: gitBlobId(bytes),
    },
  };
}
