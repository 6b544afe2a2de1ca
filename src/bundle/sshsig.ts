import { createHash } from 'node:crypto';

import nacl from 'tweetnacl';

import { ProofgateError } from '../errors.js';
import { decodeBase64Any } from './dsse.js';
import { fingerprintOfSshBlob, sshFingerprint, type SigningKey } from './keys.js';

/** Hash algorithms that SSHSIG allows for the message digest (OpenSSH PROTOCOL.sshsig). */
export type SshHashAlgorithm = 'sha512' | 'sha256';

/** The fields of a decoded SSHSIG signature blob. */
export interface SshSignatureBlob {
  version: number;
  /** The signer's public key blob: string key type, then the key data. */
  publicKeyBlob: Buffer;
  keyType: string;
  namespace: string;
  hashAlgorithm: string;
  /** Algorithm named inside the signature field, such as `ssh-ed25519`. */
  signatureType: string;
  /** The raw signature bytes (64 for ed25519). */
  signature: Buffer;
}

/** Outcome of verifying one SSHSIG signature; a failure carries one sentence. */
export type SshSignatureCheck =
  | { valid: true; publicKey: Uint8Array; fingerprint: string; hashAlgorithm: SshHashAlgorithm }
  | { valid: false; problem: string };

const MAGIC = Buffer.from('SSHSIG', 'latin1');
const SUPPORTED_VERSION = 1;
const SSH_ED25519 = 'ssh-ed25519';
const ARMOR_BEGIN = '-----BEGIN SSH SIGNATURE-----';
const ARMOR_END = '-----END SSH SIGNATURE-----';

// ssh-keygen wraps the base64 at 70 characters (OpenSSH 9.2), although the
// protocol text suggests 76; matching it makes our files byte-identical.
const ARMOR_WIDTH = 70;

const HASH_ALGORITHMS: readonly string[] = ['sha512', 'sha256'];

/**
 * Builds the bytes an SSHSIG key actually signs: the magic "SSHSIG", then the
 * namespace, an empty reserved string, the hash algorithm and the raw digest
 * of the message, each as an SSH string.
 */
export function sshSignedData(message: Uint8Array, namespace: string, hashAlgorithm: SshHashAlgorithm = 'sha512'): Buffer {
  assertNamespace(namespace);

  const digest = createHash(hashAlgorithm).update(message).digest();

  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hashAlgorithm), sshString(digest)]);
}

/** Encodes an ed25519 SSHSIG signature blob, the bytes inside the armor. */
export function encodeSshSignatureBlob(parts: {
  publicKey: Uint8Array;
  namespace: string;
  hashAlgorithm: SshHashAlgorithm;
  signature: Uint8Array;
}): Buffer {
  const publicKeyBlob = Buffer.concat([sshString(SSH_ED25519), sshString(parts.publicKey)]);
  const signatureField = Buffer.concat([sshString(SSH_ED25519), sshString(parts.signature)]);
  const version = Buffer.alloc(4);

  version.writeUInt32BE(SUPPORTED_VERSION);

  return Buffer.concat([
    MAGIC,
    version,
    sshString(publicKeyBlob),
    sshString(parts.namespace),
    sshString(''),
    sshString(parts.hashAlgorithm),
    sshString(signatureField),
  ]);
}

/**
 * Decodes an SSHSIG signature blob of any key type. Throws
 * ProofgateError('BUNDLE_INVALID') when the blob is truncated, has trailing
 * bytes or lacks the "SSHSIG" magic. Versions and algorithms are not judged
 * here; verifySshSignature does that.
 */
export function parseSshSignatureBlob(blob: Buffer): SshSignatureBlob {
  const reader = new SshReader(blob);

  if (!reader.bytes(MAGIC.length, 'the "SSHSIG" magic').equals(MAGIC)) {
    throw malformed('it does not start with "SSHSIG"');
  }

  const version = reader.uint32('the version');
  const publicKeyBlob = reader.string('the public key');
  const namespace = reader.string('the namespace').toString('utf8');

  reader.string('the reserved field');

  const hashAlgorithm = reader.string('the hash algorithm').toString('latin1');
  const signatureField = new SshReader(reader.string('the signature'));

  reader.assertEnd('the signature field');

  const signatureType = signatureField.string('the signature type').toString('latin1');
  const signature = signatureField.string('the signature bytes');
  const keyType = new SshReader(publicKeyBlob).string('the key type').toString('latin1');

  return { version, publicKeyBlob, keyType, namespace, hashAlgorithm, signatureType, signature };
}

/** Wraps a signature blob in the `BEGIN SSH SIGNATURE` armor, as ssh-keygen writes it. */
export function armorSshSignature(blob: Uint8Array): string {
  const lines = Buffer.from(blob).toString('base64').match(new RegExp(`.{1,${ARMOR_WIDTH}}`, 'g')) ?? [];

  return `${ARMOR_BEGIN}\n${lines.join('\n')}\n${ARMOR_END}\n`;
}

/**
 * Extracts the blob from armored text, ignoring all whitespace inside the
 * armor. Throws ProofgateError('BUNDLE_INVALID') when the markers are
 * missing or the body is not base64.
 */
export function dearmorSshSignature(text: string): Buffer {
  const begin = text.indexOf(ARMOR_BEGIN);
  const end = text.indexOf(ARMOR_END);

  if (begin < 0 || end < begin) {
    throw malformed(`the text has no "${ARMOR_BEGIN}" ... "${ARMOR_END}" block`);
  }

  const body = text.slice(begin + ARMOR_BEGIN.length, end).replace(/\s+/g, '');

  try {
    return decodeBase64Any(body);
  } catch {
    throw malformed('its armored body is not valid base64');
  }
}

/**
 * Signs `message` natively with an ed25519 key, producing the same armored
 * text that `ssh-keygen -Y sign -n <namespace>` writes for that key (ed25519
 * signatures are deterministic, so the bytes are identical).
 */
export function signSshMessage(message: Uint8Array, key: SigningKey, namespace: string, hashAlgorithm: SshHashAlgorithm = 'sha512'): string {
  const signature = nacl.sign.detached(sshSignedData(message, namespace, hashAlgorithm), key.secretKey);

  return armorSshSignature(encodeSshSignatureBlob({ publicKey: key.publicKey, namespace, hashAlgorithm, signature }));
}

/**
 * Verifies an armored SSHSIG signature over `message` for `namespace` and
 * returns the signer's key. Only ssh-ed25519 signatures are verified natively.
 * Other key types, a version above 1, a different namespace, an unknown hash
 * algorithm or a bad signature give `{ valid: false, problem }`, and nothing
 * throws. Whether the key is trusted is for the caller to check.
 */
export function verifySshSignature(message: Uint8Array, armored: string, namespace: string): SshSignatureCheck {
  let parsed: SshSignatureBlob;

  try {
    parsed = parseSshSignatureBlob(dearmorSshSignature(armored));
  } catch (error) {
    return { valid: false, problem: error instanceof ProofgateError ? error.message : String(error) };
  }

  const problem = findBlobProblem(parsed, namespace);

  if (problem !== undefined) {
    return { valid: false, problem };
  }

  const publicKey = readEd25519Key(parsed.publicKeyBlob);
  const hashAlgorithm = parsed.hashAlgorithm as SshHashAlgorithm;
  const signedData = sshSignedData(message, namespace, hashAlgorithm);

  if (publicKey === undefined || !nacl.sign.detached.verify(signedData, parsed.signature, publicKey)) {
    return { valid: false, problem: `the SSH signature by key ${fingerprintOfSshBlob(parsed.publicKeyBlob)} does not match the signed content` };
  }

  return { valid: true, publicKey, fingerprint: sshFingerprint(publicKey), hashAlgorithm };
}

function findBlobProblem(parsed: SshSignatureBlob, namespace: string): string | undefined {
  if (parsed.version > SUPPORTED_VERSION) {
    return `the SSH signature has version ${parsed.version}, but only version ${SUPPORTED_VERSION} is supported`;
  }

  if (parsed.namespace !== namespace) {
    return `the SSH signature is for namespace "${parsed.namespace}", not "${namespace}"`;
  }

  if (!HASH_ALGORITHMS.includes(parsed.hashAlgorithm)) {
    return `the SSH signature uses hash algorithm "${parsed.hashAlgorithm}"; expected sha512 or sha256`;
  }

  if (parsed.keyType !== SSH_ED25519 || parsed.signatureType !== SSH_ED25519) {
    return `the SSH signature was made with a "${parsed.keyType}" key, but proofgate verifies only ssh-ed25519 signatures natively; sign with an ed25519 key (ssh-keygen -t ed25519)`;
  }

  if (parsed.signature.length !== nacl.sign.signatureLength) {
    return `the ssh-ed25519 signature is ${parsed.signature.length} bytes instead of ${nacl.sign.signatureLength}`;
  }

  return undefined;
}

function readEd25519Key(publicKeyBlob: Buffer): Uint8Array | undefined {
  try {
    const reader = new SshReader(publicKeyBlob);

    reader.string('the key type');

    const key = reader.string('the key');

    reader.assertEnd('the key');

    return key.length === nacl.sign.publicKeyLength ? new Uint8Array(key) : undefined;
  } catch {
    return undefined;
  }
}

function assertNamespace(namespace: string): void {
  if (namespace === '') {
    throw new ProofgateError('USAGE', 'An SSH signature namespace must not be empty.');
  }
}

function sshString(data: string | Uint8Array): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const length = Buffer.alloc(4);

  length.writeUInt32BE(bytes.length);

  return Buffer.concat([length, bytes]);
}

function malformed(problem: string): ProofgateError {
  return new ProofgateError('BUNDLE_INVALID', `Invalid SSH signature: ${problem}.`);
}

/** Reads SSH wire fields (uint32 big-endian, length-prefixed strings) in order. */
class SshReader {
  private offset = 0;

  constructor(private readonly data: Buffer) {}

  bytes(count: number, field: string): Buffer {
    if (this.offset + count > this.data.length) {
      throw malformed(`it ends before ${field}`);
    }

    const bytes = this.data.subarray(this.offset, this.offset + count);

    this.offset += count;

    return bytes;
  }

  uint32(field: string): number {
    return this.bytes(4, field).readUInt32BE(0);
  }

  string(field: string): Buffer {
    return this.bytes(this.uint32(field), field);
  }

  assertEnd(field: string): void {
    if (this.offset !== this.data.length) {
      throw malformed(`it has ${this.data.length - this.offset} unexpected bytes after ${field}`);
    }
  }
}
