import nacl from 'tweetnacl';

import { decodeBase64Any, preAuthEncoding } from './dsse.js';
import { sshFingerprint, type SigningKey } from './keys.js';

/** One DSSE signature entry. */
export interface BundleSignature {
  /** OpenSSH fingerprint of the signing key: a hint for choosing the key, never trusted by itself. */
  keyid: string;
  /** Standard base64 of the 64-byte ed25519 signature. */
  sig: string;
}

/** Signs PAE(payloadType, body) with pure ed25519 (RFC 8032), as DSSE v1 specifies. */
export function signPayload(payloadType: string, body: Uint8Array, key: SigningKey): BundleSignature {
  const signature = nacl.sign.detached(preAuthEncoding(payloadType, body), key.secretKey);

  return {
    keyid: sshFingerprint(key.publicKey),
    sig: Buffer.from(signature).toString('base64'),
  };
}

/**
 * Checks one signature over PAE(payloadType, body) against `publicKey`. The
 * keyid is ignored. Returns false, never throws, for malformed base64, a
 * signature that is not 64 bytes or a public key that is not 32 bytes.
 */
export function verifyPayloadSignature(
  payloadType: string,
  body: Uint8Array,
  signature: BundleSignature,
  publicKey: Uint8Array,
): boolean {
  const signatureBytes = decodeSignature(signature.sig);

  if (signatureBytes === undefined || signatureBytes.length !== nacl.sign.signatureLength) {
    return false;
  }

  if (publicKey.length !== nacl.sign.publicKeyLength) {
    return false;
  }

  return nacl.sign.detached.verify(preAuthEncoding(payloadType, body), signatureBytes, publicKey);
}

function decodeSignature(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') {
    return undefined;
  }

  try {
    return decodeBase64Any(text);
  } catch {
    return undefined;
  }
}
