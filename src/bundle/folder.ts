import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ProofgateError } from '../errors.js';

/**
 * Creates the folder bundles go to and checks that it can be written, so a
 * run finds out before its first case rather than after the last one. Each
 * level is created on its own because Node's recursive mkdir loops forever
 * where mkdir returns ENOENT for a parent that exists (such as under /proc).
 */
export async function prepareBundleFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  let existing = path.resolve(dir);

  for (;;) {
    const found = await stat(existing).catch(() => undefined);
    if (found?.isDirectory()) break;
    if (found) throw unwritable(dir, `${existing} is a file, not a folder`);

    const parent = path.dirname(existing);
    if (parent === existing) throw unwritable(dir, 'no part of the path exists');
    missing.unshift(existing);
    existing = parent;
  }

  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(dir, `cannot create ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  try {
    await access(dir, constants.W_OK);
  } catch {
    throw unwritable(dir, 'the folder is not writable');
  }
}

function unwritable(dir: string, reason: string): ProofgateError {
  return new ProofgateError('OUTPUT_UNWRITABLE', `cannot write bundles to ${dir}: ${reason}; nothing was run. Pass a writable --proofs-dir or fix the folder's permissions.`);
}
