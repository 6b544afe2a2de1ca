import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, readlink, realpath, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, ProofgateError } from '../errors.js';
import type { StagedFile } from './restore.js';

/** The change to make in the working tree: files to write and project paths to delete. */
export interface TreeChange {
  write: readonly StagedFile[];
  remove: readonly string[];
}

/** The result of applyTreeChange, with a way to put every touched path back. */
export interface AppliedChange {
  /** Project paths whose bytes changed, including new files. */
  written: string[];
  /** Project paths that already held the restored bytes. */
  unchanged: string[];
  removed: string[];
  /** Puts back the earlier content of every written or removed path. */
  undo(): Promise<void>;
}

/** The state of a path before the change, so that undo can recreate it. */
type Snapshot =
  | { kind: 'absent' }
  | { kind: 'file'; bytes: Buffer; mode: number }
  | { kind: 'symlink'; target: string };

/**
 * Writes and deletes files under `root`. Each file is written to a temporary
 * file beside it and renamed over the old one, so no file is ever left half
 * written. The old content of every touched path is kept in memory first,
 * and when a step fails, the steps already done are undone before the error
 * is rethrown. Throws FILE_OUTSIDE_ROOT, before touching anything, when a
 * path's folder is a symbolic link that leads out of `root`.
 */
export async function applyTreeChange(root: string, change: TreeChange): Promise<AppliedChange> {
  await assertFoldersInsideRoot(root, [...change.write.map((file) => file.path), ...change.remove]);

  const done: Array<{ file: string; before: Snapshot }> = [];
  const undo = () => restoreSnapshots(root, done);
  const result: AppliedChange = { written: [], unchanged: [], removed: [], undo };

  try {
    for (const file of change.write) {
      const before = await takeSnapshot(root, file.path);

      if (before.kind === 'file' && before.bytes.equals(file.bytes)) {
        result.unchanged.push(file.path);
        continue;
      }

      done.push({ file: file.path, before });
      await replaceFile(root, file.path, file.bytes, before.kind === 'file' ? before.mode : 0o644);
      result.written.push(file.path);
    }

    for (const file of change.remove) {
      done.push({ file, before: await takeSnapshot(root, file) });
      await unlink(path.join(root, file));
      result.removed.push(file);
    }
  } catch (error) {
    await undo();
    throw error;
  }

  return result;
}

async function assertFoldersInsideRoot(root: string, files: readonly string[]): Promise<void> {
  const realRoot = await realpath(root);
  const escaping: string[] = [];

  for (const file of files) {
    const folder = await realpathOfNearestFolder(path.dirname(path.join(root, file)));
    const relative = path.relative(realRoot, folder);

    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      escaping.push(`${file}: its folder resolves to ${folder}`);
    }
  }

  if (escaping.length > 0) {
    throw new ProofgateError('FILE_OUTSIDE_ROOT', `a restored file would land outside the project root ${realRoot}, so nothing was changed`, {
      details: escaping,
      exitCode: EXIT.gateFailed,
    });
  }
}

// A folder that does not exist yet is created inside its nearest existing parent.
async function realpathOfNearestFolder(folder: string): Promise<string> {
  try {
    return await realpath(folder);
  } catch (error) {
    const parent = path.dirname(folder);

    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === folder) {
      throw error;
    }

    return realpathOfNearestFolder(parent);
  }
}

async function takeSnapshot(root: string, file: string): Promise<Snapshot> {
  const absolute = path.join(root, file);
  let stats;

  try {
    stats = await lstat(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { kind: 'absent' };
    }

    throw error;
  }

  // Renaming over a symbolic link replaces the link itself instead of
  // writing through it into a file the bundle does not name.
  if (stats.isSymbolicLink()) {
    return { kind: 'symlink', target: await readlink(absolute) };
  }

  return { kind: 'file', bytes: await readFile(absolute), mode: stats.mode & 0o7777 };
}

async function replaceFile(root: string, file: string, bytes: Buffer, mode: number): Promise<void> {
  const absolute = path.join(root, file);
  const temporary = path.join(path.dirname(absolute), `.${path.basename(absolute)}.${randomBytes(6).toString('hex')}.proofgate-tmp`);

  await mkdir(path.dirname(absolute), { recursive: true });

  try {
    await writeFile(temporary, bytes, { mode, flag: 'wx' });
    await rename(temporary, absolute);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

// Runs newest first and keeps going past a failure, so one stuck path does
// not leave the others changed. The first error is rethrown at the end.
async function restoreSnapshots(root: string, done: Array<{ file: string; before: Snapshot }>): Promise<void> {
  let firstError: unknown;

  for (const { file, before } of [...done].reverse()) {
    try {
      await restoreSnapshot(root, file, before);
    } catch (error) {
      firstError ??= error;
    }
  }

  done.length = 0;

  if (firstError !== undefined) {
    throw firstError;
  }
}

async function restoreSnapshot(root: string, file: string, before: Snapshot): Promise<void> {
  const absolute = path.join(root, file);

  if (before.kind === 'file') {
    await replaceFile(root, file, before.bytes, before.mode);
    return;
  }

  await unlink(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });

  if (before.kind === 'symlink') {
    await symlink(before.target, absolute);
  }
}
