// Standard forms of a proofgate bundle for outside verifiers: a DSSE
// envelope, and a Sigstore bundle that wraps that envelope.

import { ProofgateError } from '../errors.js';
import { decodeBase64Any } from './dsse.js';
import { canonicalBytes } from './jcs.js';
import type { BundleSignature } from './sign.js';
import type { BundleFile } from './store.js';

export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A DSSE v1 envelope in its JSON encoding. */
export interface DsseEnvelope {
  payloadType: string;
  /** Standard base64 of JCS(statement): exactly the bytes the signatures cover, inside PAE. */
  payload: string;
  signatures: BundleSignature[];
}

/** A Sigstore bundle (v0.3) for a self-managed key: a public-key hint and no transparency-log entries. */
export interface SigstoreBundle {
  mediaType: typeof SIGSTORE_BUNDLE_MEDIA_TYPE;
  verificationMaterial: {
    publicKey: { hint: string };
    tlogEntries: [];
    timestampVerificationData: { rfc3161Timestamps: [] };
  };
  dsseEnvelope: DsseEnvelope;
}

/**
 * Builds the DSSE envelope of a bundle. The payload is re-derived as
 * JCS(statement), which is what the signatures were made over, and each
 * signature is re-encoded in standard base64 (the bytes stay the same).
 * With `keyid`, only the signatures with that keyid are kept.
 */
export function toDsseEnvelope(bundle: BundleFile, keyid?: string): DsseEnvelope {
  const signatures = keyid === undefined ? bundle.signatures : selectSignatures(bundle.signatures, keyid);

  return {
    payloadType: bundle.payloadType,
    payload: canonicalBytes(bundle.statement).toString('base64'),
    signatures: signatures.map((signature) => ({ keyid: signature.keyid, sig: decodeBase64Any(signature.sig).toString('base64') })),
  };
}

/**
 * Builds a Sigstore bundle around the DSSE envelope. A Sigstore bundle contains
 * exactly one signature, and its public-key hint must equal that signature's
 * keyid, which here is the key's OpenSSH `SHA256:` fingerprint. With several
 * signatures, `keyid` picks one.
 */
export function toSigstoreBundle(bundle: BundleFile, keyid?: string): SigstoreBundle {
  if (bundle.signatures.length === 0) {
    throw new ProofgateError('SIGNATURE_REQUIRED', 'the bundle is unsigned, and a Sigstore bundle needs one signature; run again with a signing key (--key or PROOFGATE_SIGNING_KEY).');
  }

  const envelope = toDsseEnvelope(bundle, keyid);
  const signature = onlySignature(envelope.signatures);

  return {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      publicKey: { hint: signature.keyid },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: { ...envelope, signatures: [signature] },
  };
}

function selectSignatures(signatures: BundleSignature[], keyid: string): BundleSignature[] {
  const selected = signatures.filter((signature) => signature.keyid === keyid);

  if (selected.length === 0) {
    throw new ProofgateError('USAGE', `the bundle has no signature with keyid ${keyid}; its keyids are ${listKeyids(signatures)}.`);
  }

  return selected;
}

function onlySignature(signatures: BundleSignature[]): BundleSignature {
  const [first] = signatures;

  if (first === undefined || signatures.length > 1) {
    throw new ProofgateError('USAGE', `the bundle has ${signatures.length} signatures, but a Sigstore bundle contains exactly one; choose it with --keyid (one of ${listKeyids(signatures)}).`);
  }

  if (first.keyid === '') {
    throw new ProofgateError('BUNDLE_INVALID', 'the signature has no keyid, so the Sigstore bundle would have no public-key hint; sign the bundle again with proofgate, which records the key fingerprint.');
  }

  return first;
}

function listKeyids(signatures: BundleSignature[]): string {
  return signatures.length === 0 ? 'none' : signatures.map((signature) => signature.keyid || '(empty)').join(', ');
}
