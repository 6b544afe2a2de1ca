import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { toProjectPath } from '../config/files.js';
import { canonicalBytes, sha256Hex } from './jcs.js';
import type { PreviousLink } from './statement.js';
import { listBundleFiles } from './store.js';

/**
 * Links to the newest bundle already in `dir`, so that deleting or editing a
 * bundle later breaks a chain that `verify` and `audit` can check.
 */
export async function findPreviousLink(dir: string, root: string): Promise<PreviousLink | null> {
  const files = await listBundleFiles(dir);
  const newest = files[files.length - 1];
  if (!newest) return null;

  const bytes = await readFile(newest);
  return {
    path: toProjectPath(root, newest),
    statementSha256: statementDigest(bytes),
    fileSha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

// A damaged previous file still gets linked by its file digest; verifying it is audit's job.
function statementDigest(bytes: Buffer): string {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { statement?: unknown };
    return parsed.statement === undefined ? '' : sha256Hex(canonicalBytes(parsed.statement));
  } catch {
    return '';
  }
}
