import { createHash, createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import nacl from 'tweetnacl';

import { ProofgateError } from '../errors.js';
import { decodeBase64Any } from './dsse.js';

/** An ed25519 key pair in tweetnacl's layout. */
export interface SigningKey {
  /** The 32-byte private seed, the part that PKCS#8 stores. */
  seed: Uint8Array;
  publicKey: Uint8Array;
  /** tweetnacl's 64-byte secret key: seed followed by public key. */
  secretKey: Uint8Array;
}

/** The environment variable that may hold the signing key as PEM text. */
export const SIGNING_KEY_ENV = 'PROOFGATE_SIGNING_KEY';

const SSH_ED25519 = 'ssh-ed25519';

// DER of an ed25519 PKCS#8 v1 PrivateKeyInfo and SubjectPublicKeyInfo up to
// the key bytes (RFC 8410); the 32-byte seed or public key follows.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

const HOW_TO_MAKE_KEY =
  'Create one with `proofgate keygen` or `openssl genpkey -algorithm ed25519 -out key.pem`.';

/** Creates a new random key pair (tweetnacl draws from node:crypto randomBytes). */
export function generateSigningKey(): SigningKey {
  return toSigningKey(nacl.sign.keyPair());
}

/** Derives the key pair of a 32-byte ed25519 seed. */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) {
    throw new ProofgateError('KEY_INVALID', `An ed25519 seed is 32 bytes, but ${seed.length} bytes were given.`);
  }

  return toSigningKey(nacl.sign.keyPair.fromSeed(seed));
}

/**
 * Reads an unencrypted ed25519 private key from PKCS#8 PEM ("PRIVATE KEY"),
 * the format `openssl genpkey -algorithm ed25519` and `proofgate keygen` write.
 * `source` names where the text came from (a file path or the environment
 * variable) for error messages. No error message contains any of the key text.
 */
export function parsePrivateKeyPem(text: string, source: string): SigningKey {
  const block = findPemBlock(unescapeNewlines(text));

  if (block === undefined) {
    throw keyInvalid(source, 'it contains no PEM block');
  }

  if (block.label !== 'PRIVATE KEY') {
    throw keyInvalid(source, describeWrongLabel(block.label));
  }

  const der = decodePemBody(block.body, source);

  if (der.length === 48 && der.subarray(0, 16).equals(PKCS8_ED25519_PREFIX)) {
    return signingKeyFromSeed(der.subarray(16));
  }

  return rejectOtherPkcs8(der, source);
}

/** Encodes the key's seed as PKCS#8 PEM, the same bytes `openssl genpkey -algorithm ed25519` writes. */
export function privateKeyToPem(key: SigningKey): string {
  return toPem('PRIVATE KEY', Buffer.concat([PKCS8_ED25519_PREFIX, key.seed]));
}

/** Encodes a public key as SubjectPublicKeyInfo PEM, for `openssl pkeyutl -verify -pubin`. */
export function publicKeyToSpkiPem(publicKey: Uint8Array): string {
  assertPublicKeyLength(publicKey);

  return toPem('PUBLIC KEY', Buffer.concat([SPKI_ED25519_PREFIX, publicKey]));
}

/** Formats a public key as one OpenSSH line: `ssh-ed25519 AAAA… comment`. */
export function publicKeyToSshLine(publicKey: Uint8Array, comment?: string): string {
  const line = `${SSH_ED25519} ${sshPublicKeyBlob(publicKey).toString('base64')}`;

  if (comment === undefined || comment === '') {
    return line;
  }

  if (/[\r\n]/.test(comment)) {
    throw new ProofgateError('USAGE', 'The key comment must be a single line. Remove the line breaks from it.');
  }

  return `${line} ${comment}`;
}

/** Reads the 32-byte key from an OpenSSH line `ssh-ed25519 <base64> [comment]`. */
export function parseSshPublicKey(text: string): Uint8Array {
  const [keyType, encoded] = text.trim().split(/\s+/);

  if (keyType !== SSH_ED25519 || encoded === undefined) {
    const found = keyType === undefined || keyType === '' ? 'an empty line' : `key type "${keyType}"`;

    throw new ProofgateError('KEY_INVALID', `Expected an "ssh-ed25519 <base64 key>" public key line, but found ${found}.`);
  }

  return publicKeyFromSshBlob(decodeSshBase64(encoded));
}

/** Returns the 32-byte key of an `ssh-ed25519` public key blob (string keytype, string key). */
export function publicKeyFromSshBlob(blob: Buffer): Uint8Array {
  const keyType = sshBlobKeyType(blob);

  if (keyType !== SSH_ED25519) {
    throw new ProofgateError('KEY_INVALID', `Expected an ${SSH_ED25519} key blob, but the blob contains ${keyType === undefined ? 'no key type' : `a "${keyType}" key`}.`);
  }

  const keyOffset = 4 + SSH_ED25519.length;
  const key = readSshString(blob, keyOffset);

  if (key === undefined || key.length !== 32 || keyOffset + 4 + key.length !== blob.length) {
    throw new ProofgateError('KEY_INVALID', `The ${SSH_ED25519} key blob must be 51 bytes long with a 32-byte key, but it is truncated or has extra bytes.`);
  }

  return new Uint8Array(key);
}

/** Returns the key type named at the start of an SSH public key blob, or undefined when the blob is too short. */
export function sshBlobKeyType(blob: Buffer): string | undefined {
  return readSshString(blob, 0)?.toString('latin1');
}

/** Computes the OpenSSH fingerprint `SHA256:<unpadded base64>` that `ssh-keygen -l` prints. */
export function sshFingerprint(publicKey: Uint8Array): string {
  return fingerprintOfSshBlob(sshPublicKeyBlob(publicKey));
}

/** Computes the OpenSSH SHA256 fingerprint of any SSH public key blob. */
export function fingerprintOfSshBlob(blob: Uint8Array): string {
  const digest = createHash('sha256').update(blob).digest('base64');

  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/**
 * Loads the signing key: the `keyFile` (from --key) wins, else the PEM text in
 * PROOFGATE_SIGNING_KEY, or the file it names. Returns undefined when neither is set. An empty
 * variable counts as unset, because CI systems expand a secret that the job
 * cannot read (as in a pull request from a fork) to an empty string.
 */
export async function loadSigningKey(options: { keyFile?: string; env: NodeJS.ProcessEnv }): Promise<SigningKey | undefined> {
  if (options.keyFile !== undefined) {
    const text = await readKeyFile(options.keyFile);

    return parsePrivateKeyPem(text, options.keyFile);
  }

  const fromEnv = options.env[SIGNING_KEY_ENV];

  if (fromEnv === undefined || fromEnv.trim() === '') {
    return undefined;
  }

  // GitLab cannot mask a multi-line variable, so there the key is a CI/CD
  // variable of type File, whose value is the path of a file holding the PEM.
  if (!fromEnv.includes('-----BEGIN') && !fromEnv.includes('\n') && existsSync(fromEnv.trim())) {
    return parsePrivateKeyPem(await readKeyFile(fromEnv.trim()), `${SIGNING_KEY_ENV} (file ${fromEnv.trim()})`);
  }

  return parsePrivateKeyPem(fromEnv, SIGNING_KEY_ENV);
}

/**
 * Writes the private key as PKCS#8 PEM to `outPath` (mode 0600) and the
 * OpenSSH public key line to `outPath + '.pub'` (mode 0644). Creates missing
 * parent folders. Rejects with ProofgateError('USAGE') when either file
 * already exists, so a key is never overwritten.
 */
export async function writeKeyPair(
  outPath: string,
  key: SigningKey,
  comment: string,
): Promise<{ privatePath: string; publicPath: string }> {
  const publicPath = `${outPath}.pub`;
  const publicLine = `${publicKeyToSshLine(key.publicKey, comment)}\n`;

  await assertAbsent(publicPath);
  await mkdir(dirname(outPath), { recursive: true });
  await writeNewFile(outPath, privateKeyToPem(key), 0o600);

  try {
    await writeNewFile(publicPath, publicLine, 0o644);
  } catch (error) {
    // This call created the private key a moment ago, and without its .pub file it is of no use.
    await unlink(outPath).catch(() => undefined);
    throw error;
  }

  return { privatePath: outPath, publicPath };
}

function toSigningKey(pair: nacl.SignKeyPair): SigningKey {
  return {
    seed: pair.secretKey.slice(0, 32),
    publicKey: pair.publicKey,
    secretKey: pair.secretKey,
  };
}

// Prefers a PRIVATE KEY block, so a file that also contains a certificate or
// public key still loads. Otherwise the first block names what was found.
function findPemBlock(text: string): { label: string; body: string } | undefined {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1] ?? '', body: match[2] ?? '' }));

  return blocks.find((block) => block.label === 'PRIVATE KEY') ?? blocks[0];
}

// CI secret stores and .env files sometimes keep a PEM on one line with
// literal "\n" sequences in place of line breaks.
function unescapeNewlines(text: string): string {
  return text.includes('\n') ? text : text.replaceAll('\\n', '\n');
}

function describeWrongLabel(label: string): string {
  switch (label) {
    case 'ENCRYPTED PRIVATE KEY':
      return 'it is an encrypted (passphrase-protected) key, which proofgate cannot unlock';
    case 'OPENSSH PRIVATE KEY':
      return 'it is in OpenSSH format, which proofgate does not read (reviewers sign approvals with `ssh-keygen -Y sign` instead)';
    case 'RSA PRIVATE KEY':
    case 'EC PRIVATE KEY':
    case 'DSA PRIVATE KEY':
      return `it contains a key of type ${label.split(' ')[0] ?? label}, but proofgate signs with ed25519 only`;
    case 'PUBLIC KEY':
      return 'it is a public key, but signing needs the private key';
    default:
      return `it is a "${label}" PEM block instead of "PRIVATE KEY"`;
  }
}

function decodePemBody(body: string, source: string): Buffer {
  if (/^\s*[A-Za-z-]+:/m.test(body)) {
    throw keyInvalid(source, 'its PEM block has headers, which mark an encrypted legacy key');
  }

  try {
    return decodeBase64Any(body.replace(/\s+/g, ''));
  } catch {
    throw keyInvalid(source, 'its PEM body is not valid base64');
  }
}

// Rejects any other PKCS#8 key. node:crypto only names its algorithm for the
// message.
function rejectOtherPkcs8(der: Buffer, source: string): never {
  let keyType: string | undefined;

  try {
    keyType = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).asymmetricKeyType;
  } catch {
    throw keyInvalid(source, 'its PKCS#8 data could not be parsed');
  }

  if (keyType === 'ed25519') {
    throw keyInvalid(source, 'its PKCS#8 data carries fields beyond the 32-byte seed (such as attributes), which proofgate does not read');
  }

  throw keyInvalid(source, `it contains a key of type ${keyType ?? 'unknown'}, but proofgate signs with ed25519 only`);
}

function keyInvalid(source: string, problem: string): ProofgateError {
  return new ProofgateError(
    'KEY_INVALID',
    `The signing key from ${source} is not an unencrypted ed25519 private key in PKCS#8 PEM: ${problem}. ${HOW_TO_MAKE_KEY}`,
  );
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];

  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function assertPublicKeyLength(publicKey: Uint8Array): void {
  if (publicKey.length !== 32) {
    throw new ProofgateError('KEY_INVALID', `An ed25519 public key is 32 bytes, but ${publicKey.length} bytes were given.`);
  }
}

function sshPublicKeyBlob(publicKey: Uint8Array): Buffer {
  assertPublicKeyLength(publicKey);

  return Buffer.concat([sshString(Buffer.from(SSH_ED25519, 'latin1')), sshString(publicKey)]);
}

function sshString(data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);

  length.writeUInt32BE(data.length);

  return Buffer.concat([length, data]);
}

// Reads one SSH wire string (uint32 big-endian length, then the bytes) at `offset`.
function readSshString(blob: Buffer, offset: number): Buffer | undefined {
  if (offset + 4 > blob.length) {
    return undefined;
  }

  const end = offset + 4 + blob.readUInt32BE(offset);

  return end > blob.length ? undefined : blob.subarray(offset + 4, end);
}

function decodeSshBase64(encoded: string): Buffer {
  try {
    return decodeBase64Any(encoded);
  } catch {
    throw new ProofgateError('KEY_INVALID', 'The ssh-ed25519 public key is not valid base64.');
  }
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'could not be read';

    throw new ProofgateError('KEY_MISSING', `The signing key file ${path} ${reason}. Check the --key path. ${HOW_TO_MAKE_KEY}`, {
      cause: error,
    });
  }
}

async function assertAbsent(path: string): Promise<void> {
  const exists = await lstat(path).then(
    () => true,
    () => false,
  );

  if (exists) {
    throw alreadyExists(path);
  }
}

async function writeNewFile(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx', mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw alreadyExists(path);
    }

    throw error;
  }

  // The mode given to open() is reduced by the umask, so set it explicitly.
  await chmod(path, mode);
}

function alreadyExists(path: string): ProofgateError {
  return new ProofgateError('USAGE', `${path} already exists, and proofgate never overwrites a key file. Choose another output path or move the existing file away.`);
}
