import { randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

import { sha256Hex } from '../bundle/jcs.js';
import type { BundleSignature } from '../bundle/sign.js';
import { readDirectoryNames } from '../bundle/store.js';
import { ProofgateError } from '../errors.js';
import { APPROVAL_FORMAT } from './statement.js';

/**
 * An approval file: the approval statement plus exactly one kind of
 * signature. `sshsig` is an armored SSHSIG over the statement's JCS bytes;
 * `signatures` are DSSE signatures over PAE(payloadType, JCS(statement)).
 */
export interface ApprovalFile {
  approval: typeof APPROVAL_FORMAT;
  payloadType: string;
  statement: Record<string, unknown> & { subject: unknown[]; predicate: Record<string, unknown> };
  sshsig?: string;
  signatures?: BundleSignature[];
}

const APPROVAL_MARKER = '.approval.';
const SLUG_MAX_LENGTH = 40;

/**
 * Names the approval file of `principal` for a bundle:
 * `<bundle stem>.approval.<slug>-<8 hex>.json`. The slug keeps the principal
 * readable. The 8 hex digits come from the sha256 of the exact principal, so
 * two principals with the same slug (such as `a b@x` and `a-b@x`) get
 * different files.
 */
export function approvalFileName(bundleFile: string, principal: string): string {
  const slug = principal
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/[.-]+$/, '');

  return `${bundleStem(bundleFile)}${APPROVAL_MARKER}${slug === '' ? 'principal' : slug}-${sha256Hex(principal).slice(0, 8)}.json`;
}

/** Lists the approval files beside a bundle as absolute paths, in name order. */
export async function listApprovalFiles(bundleFile: string): Promise<string[]> {
  const dir = path.dirname(path.resolve(bundleFile));
  const prefix = `${bundleStem(bundleFile)}${APPROVAL_MARKER}`;
  const names = await readDirectoryNames(dir);

  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Reads an approval file and checks its shape; any problem is ProofgateError('BUNDLE_INVALID'). */
export async function readApprovalFile(file: string): Promise<ApprovalFile> {
  let parsed: unknown;

  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const problem = error instanceof SyntaxError ? `it is not valid JSON (${error.message})` : 'it could not be read';

    throw new ProofgateError('BUNDLE_INVALID', `${file}: ${problem}.`, { cause: error });
  }

  const problem = findShapeProblem(parsed);

  if (problem !== undefined) {
    throw new ProofgateError('BUNDLE_INVALID', `${file}: not a valid proofgate approval: ${problem}.`);
  }

  return parsed as ApprovalFile;
}

/**
 * Writes an approval file without ever replacing one: the text goes to a
 * hidden temporary file in the same folder, which is flushed and then
 * hard-linked to `file`. Throws ProofgateError('USAGE') when `file` exists.
 */
export async function writeApprovalFile(file: string, content: ApprovalFile): Promise<void> {
  const tempPath = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);

  try {
    const handle = await open(tempPath, 'wx', 0o644);

    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }

    await link(tempPath, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ProofgateError('USAGE', `${file} already exists, and proofgate never overwrites an approval. Delete it first to approve again.`);
    }

    throw error;
  } finally {
    await unlink(tempPath).catch(() => undefined);
  }
}

function bundleStem(bundleFile: string): string {
  return path.basename(bundleFile).replace(/\.json$/, '');
}

function findShapeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) {
    return 'the file does not contain a JSON object';
  }

  if (value.approval !== APPROVAL_FORMAT) {
    return `"approval" must be "${APPROVAL_FORMAT}"`;
  }

  if (typeof value.payloadType !== 'string') {
    return '"payloadType" must be a string';
  }

  const statement = value.statement;

  if (!isRecord(statement) || !Array.isArray(statement.subject) || !isRecord(statement.predicate)) {
    return '"statement" must be an object with a "subject" array and a "predicate" object';
  }

  return findSignatureProblem(value);
}

function findSignatureProblem(value: Record<string, unknown>): string | undefined {
  const hasSshsig = value.sshsig !== undefined;
  const hasSignatures = value.signatures !== undefined;

  if (hasSshsig === hasSignatures) {
    return 'it must carry exactly one of "sshsig" (an SSH signature) or "signatures" (DSSE signatures)';
  }

  if (hasSshsig && typeof value.sshsig !== 'string') {
    return '"sshsig" must be the armored text of an SSH signature';
  }

  const signatures = value.signatures;

  if (hasSignatures && (!Array.isArray(signatures) || signatures.length === 0 || !signatures.every(isSignatureEntry))) {
    return '"signatures" must be a non-empty array of { keyid, sig } strings';
  }

  return undefined;
}

function isSignatureEntry(entry: unknown): boolean {
  return isRecord(entry) && typeof entry.sig === 'string' && (entry.keyid === undefined || typeof entry.keyid === 'string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
