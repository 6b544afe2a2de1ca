import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { ProofgateError } from '../errors.js';
import { IN_TOTO_PAYLOAD_TYPE } from './dsse.js';
import { canonicalBytes } from './jcs.js';
import { sshFingerprint } from './keys.js';
import { verifyPayloadSignature, type BundleSignature } from './sign.js';
import { EVAL_NAMESPACE, findTrustedKey, type TrustedKey } from './trust.js';

/** Bundle file names: UTC finish time, 12 hex digits of the version digest, and a collision counter. */
export const BUNDLE_FILE_PATTERN = /^\d{8}T\d{6}(?:\.\d{3})?Z-[0-9a-f]{12}(-\d+)?\.json$/;

/** A parsed bundle file whose shape has been checked (its signatures have not). */
export interface BundleFile {
  bundle: 'proofgate/v1';
  payloadType: string;
  statement: Record<string, unknown> & {
    _type: string;
    subject: unknown[];
    predicateType: string;
    predicate: Record<string, unknown>;
  };
  signatures: BundleSignature[];
}

// Enough for every run of one version finishing within the same second.
const MAX_NAME_ATTEMPTS = 1000;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Names a bundle `<YYYYMMDD>T<HHMMSS>Z-<first 12 hex digits of the version digest>.json`. */
export function bundleFileName(finishedAt: Date, versionDigest: string): string {
  if (Number.isNaN(finishedAt.getTime())) {
    throw new RangeError('bundleFileName needs a valid finish time.');
  }

  const digest = versionDigest.replace(/^sha256:/, '');

  if (!/^[0-9a-f]{12,}$/.test(digest)) {
    throw new RangeError(`bundleFileName needs a lowercase hex version digest, not "${versionDigest}".`);
  }

  // Milliseconds keep two runs that finish in the same second in the order they finished.
  const stamp = finishedAt.toISOString().replace(/[-:]/g, '');

  return `${stamp}-${digest.slice(0, 12)}.json`;
}

/**
 * Writes a file into `dir` (created if missing) without ever replacing an
 * existing one. The chunks go to a hidden temporary file in the same folder,
 * which is flushed to disk and then hard-linked to its final name. When that
 * name exists, `-1`, `-2`, … is inserted before the extension. Returns the
 * final path; on any failure the temporary file is removed and the error
 * rethrown.
 */
export async function writeBundleFile(
  dir: string,
  fileName: string,
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): Promise<string> {
  assertPlainFileName(fileName);
  await mkdir(dir, { recursive: true });

  const tempPath = join(dir, `.${fileName}.${randomBytes(6).toString('hex')}.tmp`);

  try {
    await writeTempFile(tempPath, chunks);

    const finalPath = await linkUnderFreeName(tempPath, dir, fileName);

    await unlink(tempPath);
    await syncDirectory(dir);

    return finalPath;
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
}

/** Lists the names in `dir`; a folder that does not exist has none. */
export async function readDirectoryNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }

    throw error;
  }
}

/** Lists the bundle files in `dir` as absolute paths, oldest first. A missing folder gives []. */
export async function listBundleFiles(dir: string): Promise<string[]> {
  const names = await readDirectoryNames(dir);

  return names
    .filter((name) => BUNDLE_FILE_PATTERN.test(name))
    .sort(compareBundleNames)
    .map((name) => resolve(dir, name));
}

/** Reads a bundle file and checks its shape; any problem is ProofgateError('BUNDLE_INVALID'). */
export async function readBundleFile(path: string): Promise<BundleFile> {
  let parsed: unknown;

  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const problem = error instanceof SyntaxError ? `it is not valid JSON (${error.message})` : 'it could not be read';

    throw new ProofgateError('BUNDLE_INVALID', `${path}: ${problem}.`, { cause: error });
  }

  const problems = findShapeProblems(parsed);

  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';

    throw new ProofgateError('BUNDLE_INVALID', `${path}: not a valid proofgate bundle: ${problems[0]}${more}.`, {
      details: problems,
    });
  }

  return normalizeSignatures(parsed as BundleFile);
}

/**
 * Checks each signature of `bundle` over PAE(payloadType, JCS(statement))
 * against the ed25519 keys in `trust`, and returns the signers trusted for
 * EVAL_NAMESPACE at time `at` (each key once) plus one sentence per problem.
 * The keyid only decides which key is tried first, because anyone can write
 * any keyid.
 */
export function verifyBundleSignatures(
  bundle: BundleFile,
  trust: TrustedKey[],
  at: Date,
): { trusted: Array<{ keyid: string; principal: string }>; problems: string[] } {
  const trusted: Array<{ keyid: string; principal: string }> = [];
  const problems: string[] = [];

  if (bundle.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    problems.push(`payload type is "${bundle.payloadType}" instead of "${IN_TOTO_PAYLOAD_TYPE}"`);
  }

  if (bundle.signatures.length === 0) {
    problems.push('bundle is unsigned');
    return { trusted, problems };
  }

  const body = canonicalStatement(bundle, problems);

  if (body === undefined) {
    return { trusted, problems };
  }

  for (const [index, signature] of bundle.signatures.entries()) {
    const outcome = checkSignature(bundle.payloadType, body, signature, index + 1, trust, at);

    if (typeof outcome === 'string') {
      problems.push(outcome);
    } else if (!trusted.some((signer) => signer.keyid === outcome.keyid)) {
      trusted.push(outcome);
    }
  }

  return { trusted, problems };
}

function assertPlainFileName(fileName: string): void {
  if (fileName === '' || fileName.startsWith('.') || /[/\\\0]/.test(fileName)) {
    throw new RangeError(`writeBundleFile needs a plain file name, not "${fileName}".`);
  }
}

const WRITE_BATCH_BYTES = 1024 * 1024;

async function writeTempFile(
  tempPath: string,
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): Promise<void> {
  const handle = await open(tempPath, 'wx', 0o644);
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  // A bundle arrives as two small chunks per case; one write per chunk
  // would cost a system call each, so they go out in batches.
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    await writeChunk(handle, Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };

  try {
    for await (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      pending.push(bytes);
      pendingBytes += bytes.byteLength;
      if (pendingBytes >= WRITE_BATCH_BYTES) await flush();
    }

    await flush();
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeChunk(handle: FileHandle, chunk: string | Uint8Array): Promise<void> {
  if (typeof chunk === 'string') {
    await handle.write(chunk, null, 'utf8');
  } else {
    await handle.write(chunk);
  }
}

// link() fails with EEXIST instead of replacing the target, unlike rename().
// NOTE: file systems without hard links (some network and FUSE mounts) make
// link() fail with EPERM or ENOTSUP, and the write fails with that error.
async function linkUnderFreeName(tempPath: string, dir: string, fileName: string): Promise<string> {
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const finalPath = resolve(dir, numberedName(fileName, attempt));

    try {
      await link(tempPath, finalPath);
      return finalPath;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
  }

  throw new ProofgateError(
    'BUNDLE_EXISTS',
    `${resolve(dir, fileName)} and ${MAX_NAME_ATTEMPTS - 1} numbered variants already exist; move old bundles away and run again.`,
  );
}

function numberedName(fileName: string, attempt: number): string {
  if (attempt === 0) {
    return fileName;
  }

  const dot = fileName.lastIndexOf('.');
  const [stem, extension] = dot <= 0 ? [fileName, ''] : [fileName.slice(0, dot), fileName.slice(dot)];

  return `${stem}-${attempt}${extension}`;
}

// Makes the new directory entry durable too; some platforms cannot open a
// directory for fsync, and the file itself is already on disk by then.
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;

  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    return;
  } finally {
    await handle?.close();
  }
}

// Sorts by time and digest, then by the collision counter as a number, so
// that `X-1.json` follows `X.json` and `X-10.json` follows `X-9.json`.
function compareBundleNames(left: string, right: string): number {
  const [leftBase, leftCount] = splitBundleName(left);
  const [rightBase, rightCount] = splitBundleName(right);

  if (leftBase !== rightBase) {
    return leftBase < rightBase ? -1 : 1;
  }

  return leftCount - rightCount;
}

/** Splits a bundle file name into its UTC time stamp and the 12 hex digits of its version. */
export function parseBundleName(name: string): { time: string; version: string } | undefined {
  const parts = /^(\d{8}T\d{6}(?:\.\d{3})?Z)-([0-9a-f]{12})(?:-\d+)?\.json$/.exec(name);
  return parts ? { time: parts[1] as string, version: parts[2] as string } : undefined;
}

function splitBundleName(name: string): [string, number] {
  const parts = /^(.*-[0-9a-f]{12})(?:-(\d+))?\.json$/.exec(name);

  return [parts?.[1] ?? name, parts?.[2] === undefined ? 0 : Number(parts[2])];
}

function findShapeProblems(value: unknown): string[] {
  if (!isRecord(value)) {
    return ['the file does not contain a JSON object'];
  }

  const problems: string[] = [];

  if (value.bundle !== 'proofgate/v1') {
    problems.push(`"bundle" must be "proofgate/v1", found ${describe(value.bundle)}`);
  }

  if (typeof value.payloadType !== 'string' || value.payloadType === '') {
    problems.push(`"payloadType" must be a non-empty string, found ${describe(value.payloadType)}`);
  }

  problems.push(...findStatementProblems(value.statement), ...findSignatureProblems(value.signatures));

  return problems;
}

function findStatementProblems(statement: unknown): string[] {
  if (!isRecord(statement)) {
    return [`"statement" must be an object, found ${describe(statement)}`];
  }

  const problems: string[] = [];

  for (const field of ['_type', 'predicateType'] as const) {
    if (typeof statement[field] !== 'string') {
      problems.push(`"statement.${field}" must be a string, found ${describe(statement[field])}`);
    }
  }

  if (!isRecord(statement.predicate)) {
    problems.push(`"statement.predicate" must be an object, found ${describe(statement.predicate)}`);
  }

  if (!Array.isArray(statement.subject) || statement.subject.length === 0) {
    problems.push(`"statement.subject" must be a non-empty array, found ${describe(statement.subject)}`);
    return problems;
  }

  for (const [index, subject] of statement.subject.entries()) {
    const digest = isRecord(subject) && isRecord(subject.digest) ? subject.digest.sha256 : undefined;

    if (typeof digest !== 'string' || !SHA256_HEX.test(digest)) {
      problems.push(`"statement.subject[${index}].digest.sha256" must be 64 lowercase hex digits, found ${describe(digest)}`);
    }
  }

  return problems;
}

function findSignatureProblems(signatures: unknown): string[] {
  if (!Array.isArray(signatures)) {
    return [`"signatures" must be an array, found ${describe(signatures)}`];
  }

  const problems: string[] = [];

  for (const [index, signature] of signatures.entries()) {
    const keyid = isRecord(signature) ? signature.keyid : undefined;

    if (!isRecord(signature) || typeof signature.sig !== 'string') {
      problems.push(`"signatures[${index}].sig" must be a string`);
    } else if (keyid !== undefined && typeof keyid !== 'string') {
      problems.push(`"signatures[${index}].keyid" must be a string, found ${describe(keyid)}`);
    }
  }

  return problems;
}

// DSSE makes keyid optional and treats a missing one as empty.
function normalizeSignatures(bundle: BundleFile): BundleFile {
  const signatures = bundle.signatures.map((signature) => ({ ...signature, keyid: signature.keyid ?? '' }));

  return { ...bundle, signatures };
}

function canonicalStatement(bundle: BundleFile, problems: string[]): Buffer | undefined {
  try {
    return canonicalBytes(bundle.statement);
  } catch (error) {
    const reason = error instanceof ProofgateError ? error.message : String(error);

    problems.push(`statement cannot be canonicalized, so no signature can match it: ${reason}`);
    return undefined;
  }
}

/**
 * Returns the trusted signer of one signature, or a sentence saying why it
 * does not count. Every ed25519 key in the trust file is tried, the one named
 * by the keyid first, so that a wrong or missing keyid cannot hide a signer.
 */
function checkSignature(
  payloadType: string,
  body: Buffer,
  signature: BundleSignature,
  number: number,
  trust: TrustedKey[],
  at: Date,
): { keyid: string; principal: string } | string {
  const signer = candidateKeys(trust, signature.keyid).find((key) =>
    verifyPayloadSignature(payloadType, body, signature, key),
  );

  if (signer === undefined) {
    return describeUnverified(signature, number, trust);
  }

  const keyid = sshFingerprint(signer);
  const { entry, reason } = findTrustedKey(trust, signer, EVAL_NAMESPACE, at);

  if (entry === undefined) {
    return `signature ${number} was made by key ${keyid}, which is not trusted for ${EVAL_NAMESPACE}: ${reason ?? 'no trust line qualifies'}`;
  }

  return { keyid, principal: entry.principals.join(',') };
}

function candidateKeys(trust: TrustedKey[], keyid: string): Uint8Array[] {
  const byFingerprint = new Map<string, Uint8Array>();

  for (const entry of trust) {
    if (entry.publicKey !== undefined && entry.fingerprint !== undefined) {
      byFingerprint.set(entry.fingerprint, entry.publicKey);
    }
  }

  const hinted = byFingerprint.get(keyid);
  const others = [...byFingerprint.entries()].filter(([fingerprint]) => fingerprint !== keyid).map(([, key]) => key);

  return hinted === undefined ? others : [hinted, ...others];
}

function describeUnverified(signature: BundleSignature, number: number, trust: TrustedKey[]): string {
  const named = trust.find((entry) => entry.fingerprint !== undefined && entry.fingerprint === signature.keyid);

  if (named !== undefined) {
    return `signature ${number} from key ${signature.keyid} (${named.principals.join(',')}) does not match the statement, so the statement was changed after signing or the signature is damaged`;
  }

  const label = signature.keyid === '' ? 'without a keyid' : `with keyid ${signature.keyid}`;

  return `signature ${number} ${label} does not verify with any ed25519 key in the trust file, so it was made by an untrusted key or the statement was changed`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }

  const text = JSON.stringify(value);

  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
