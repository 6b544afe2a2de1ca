import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { toProjectPath } from '../config/files.js';
import { gitBlobId } from '../git/blob.js';
import { git } from '../git/git.js';

/** Files that the restored `materials:` globs would pick up although the target version did not have them. */
export interface StrayMaterials {
  /** Tracked files whose bytes git stores, so deleting them loses nothing. */
  removable: string[];
  /** Files that must not be deleted, each with the reason. */
  blocked: Array<{ path: string; reason: string }>;
}

/**
 * Finds files in the working tree that match a `materials:` glob of the
 * restored config but were not materials of the target version, such as a
 * prompt added to a globbed folder after the target was tested. Left in
 * place, they would become materials again and change the version.
 * Files outside the globs stay untouched, because the restored config does
 * not refer to them and they cannot change its version.
 */
export async function findStrayMaterials(
  root: string,
  pipelinePath: string,
  config: Record<string, unknown>,
  targetPaths: ReadonlySet<string>,
): Promise<StrayMaterials> {
  const baseDir = path.dirname(path.join(root, pipelinePath));
  const strays: string[] = [];

  // The same glob options that loading a pipeline uses, so both see the same files.
  for (const pattern of materialPatterns(config)) {
    const matches = await glob(pattern, { cwd: baseDir, absolute: true, onlyFiles: true, dot: true, followSymbolicLinks: false });

    for (const match of matches) {
      const file = toProjectPath(root, match);

      if (!targetPaths.has(file) && !strays.includes(file)) {
        strays.push(file);
      }
    }
  }

  return classifyStrays(root, strays.sort());
}

function materialPatterns(config: Record<string, unknown>): string[] {
  const patterns = config.materials;

  return Array.isArray(patterns) ? patterns.filter((pattern): pattern is string => typeof pattern === 'string') : [];
}

async function classifyStrays(root: string, files: string[]): Promise<StrayMaterials> {
  const result: StrayMaterials = { removable: [], blocked: [] };

  if (files.length === 0) {
    return result;
  }

  const indexBlobs = await readIndexBlobs(root, files);

  for (const file of files) {
    const stored = indexBlobs.get(file);
    const current = gitBlobId(await readFile(path.join(root, file)));

    if (stored === undefined) {
      result.blocked.push({ path: file, reason: 'it is not tracked by git, so deleting it would lose it' });
    } else if (stored !== current) {
      result.blocked.push({ path: file, reason: 'it has changes that are not staged in git, so deleting it would lose them' });
    } else {
      result.removable.push(file);
    }
  }

  return result;
}

// `git ls-files -s` prints "<mode> <blob id> <stage>\t<path>" for each tracked path.
async function readIndexBlobs(root: string, files: string[]): Promise<Map<string, string>> {
  const output = await git(['--literal-pathspecs', 'ls-files', '-s', '-z', '--', ...files], root);
  const blobs = new Map<string, string>();

  for (const entry of output.split('\0')) {
    const tab = entry.indexOf('\t');
    const [, blob] = entry.slice(0, tab).split(' ');

    if (tab > 0 && blob !== undefined) {
      blobs.set(entry.slice(tab + 1), blob);
    }
  }

  return blobs;
}
