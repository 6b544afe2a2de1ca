// Rollback records under proofs/<name>/rollbacks/, as `proofgate rollback`
// writes them: signed statements naming the version restored.

import path from 'node:path';

import { readFile } from 'node:fs/promises';

import { listBundleFiles } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { ROLLBACK_FOLDER, verifyRollbackRecord } from '../rollback/record.js';

export interface AuditRollback {
  /** Project path of the record. */
  path: string;
  at: string | null;
  by: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  /** Project path of the evaluation bundle that proved the restored version. */
  target: string | null;
  signers: Array<{ keyid: string; principal: string }>;
  /** True when a trusted signature covers the record and nothing failed. */
  verified: boolean;
  problems: string[];
}

/**
 * Reads and verifies every rollback record of one pipeline, oldest first; a
 * missing folder gives []. Keys are judged at the time the record states,
 * else at `fallback`.
 */
export async function readRollbacks(pipelineDir: string, root: string, trust: TrustedKey[], fallback: Date): Promise<AuditRollback[]> {
  const files = await listBundleFiles(path.join(pipelineDir, ROLLBACK_FOLDER));
  const rollbacks: AuditRollback[] = [];

  for (const file of files) {
    const result = await verifyRollbackRecord(file, trust, (await statedTime(file)) ?? fallback);
    const predicate = result.predicate;

    rollbacks.push({
      path: path.relative(root, file).split(path.sep).join('/'),
      at: text(predicate?.at),
      by: text(predicate?.by),
      fromVersion: text(predicate?.from?.version),
      toVersion: text(predicate?.to?.version),
      target: text(predicate?.target?.path),
      signers: result.signers,
      verified: result.ok,
      problems: result.signers.length === 0 && result.problems.length === 0 ? ['no trusted signature'] : result.problems,
    });
  }

  return rollbacks;
}

// An unreadable record has no stated time; verifying it then reports why.
async function statedTime(file: string): Promise<Date | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { statement?: { predicate?: { at?: unknown } } };
    const at = parsed.statement?.predicate?.at;
    const time = typeof at === 'string' ? Date.parse(at) : Number.NaN;
    return Number.isNaN(time) ? undefined : new Date(time);
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
