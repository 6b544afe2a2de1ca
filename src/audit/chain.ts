// The `previous` chain: each bundle records the path and digests of the
// bundle written before it, so deleting, editing, re-signing or inserting a
// bundle later leaves a visible break.

import { access } from 'node:fs/promises';
import path from 'node:path';

import type { HistoryEntry } from '../history/entry.js';
import { shortDigest } from '../history/format.js';

export type ChainProblemKind = 'deleted' | 'edited' | 're-signed' | 'reordered' | 'unlinked';

/** One break in the chain, attached to the bundle it is about. */
export interface ChainProblem {
  /** Project path of the bundle the problem is about. */
  bundle: string;
  kind: ChainProblemKind;
  message: string;
}

/**
 * Checks the links of one pipeline's bundles, given oldest first. Each
 * bundle's `previous` must name the bundle just before it, with that
 * bundle's current statement and file digests. The newest bundle has no
 * successor to vouch for its file, so only its signature protects it.
 *
 * NOTE: two runs of one pipeline that finish at the same time (parallel CI
 * jobs) both link to the same predecessor, so the later one is reported as
 * reordered. Sharded runs avoid this because they merge into one bundle.
 */
export async function checkChain(entries: readonly HistoryEntry[], root: string): Promise<ChainProblem[]> {
  const problems: ChainProblem[] = [];

  for (const [index, entry] of entries.entries()) {
    const before = index > 0 ? entries[index - 1] : undefined;
    if (entry.unreadable !== undefined) continue;

    const problem = await checkLink(entry, before, root);
    if (problem !== undefined) problems.push(problem);
  }

  return problems;
}

async function checkLink(entry: HistoryEntry, before: HistoryEntry | undefined, root: string): Promise<ChainProblem | undefined> {
  const link = entry.previous;

  if (link === null) {
    if (before === undefined) return undefined;
    return {
      bundle: entry.path,
      kind: 'unlinked',
      message: `${entry.path} links to no previous bundle, but ${before.path} comes before it: ${before.path} was added later or copied in from elsewhere`,
    };
  }

  const linked = path.resolve(root, link.path);

  if (before !== undefined && linked === path.resolve(before.file)) return compareDigests(entry, before);

  if (!(await exists(linked))) {
    return {
      bundle: entry.path,
      kind: 'deleted',
      message: `${entry.path} names ${link.path} as its previous bundle, which is missing: that bundle was deleted or renamed`,
    };
  }

  const actual = before === undefined ? 'no bundle comes before it' : `the bundle before it is ${before.path}`;
  return {
    bundle: entry.path,
    kind: 'reordered',
    message: `${entry.path} names ${link.path} as its previous bundle, but ${actual}: a bundle was inserted, or bundles were renamed or reordered`,
  };
}

// The successor recorded the predecessor's digests when it was written.
function compareDigests(entry: HistoryEntry, before: HistoryEntry): ChainProblem | undefined {
  const link = entry.previous;
  if (link === null) return undefined;

  if (before.statementSha256 !== link.statementSha256) {
    return {
      bundle: before.path,
      kind: 'edited',
      message: `${before.path} was edited after ${entry.path} was written: its statement digest is ${shortDigest(before.statementSha256)}, but ${entry.path} recorded ${shortDigest(link.statementSha256)}`,
    };
  }

  if (before.fileSha256 !== link.fileSha256) {
    return {
      bundle: before.path,
      kind: 're-signed',
      message: `${before.path} was rewritten after ${entry.path} was written: its statement is unchanged but the file differs (file digest ${shortDigest(before.fileSha256)}, recorded ${shortDigest(link.fileSha256)}), so its signatures were replaced or the file was re-encoded`,
    };
  }

  return undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
