import { describe, expect, it } from 'vitest';
import { IN_TOTO_PAYLOAD_TYPE } from '../../src/bundle/dsse.js';
import { toDsseEnvelope, toSigstoreBundle } from '../../src/bundle/export.js';
import { canonicalBytes } from '../../src/bundle/jcs.js';
import { signingKeyFromSeed, sshFingerprint } from '../../src/bundle/keys.js';
import { signPayload, verifyPayloadSignature } from '../../src/bundle/sign.js';
import type { BundleFile } from '../../src/bundle/store.js';
import { ProofgateError } from '../../src/errors.js';

const statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'faq', digest: { sha256: 'c'.repeat(64) } }],
  predicateType: 'https://proofgate.dev/attestation/eval/v1',
  predicate: { verdict: 'pass', metrics: { accuracy: { value: 0.5 } }, note: 'zwölf' },
};

const first = signingKeyFromSeed(new Uint8Array(32).fill(1));
const second = signingKeyFromSeed(new Uint8Array(32).fill(2));

function bundleSignedBy(...keys: Array<typeof first>): BundleFile {
  const payload = canonicalBytes(statement);
  return { bundle: 'proofgate/v1', payloadType: IN_TOTO_PAYLOAD_TYPE, statement, signatures: keys.map((key) => signPayload(IN_TOTO_PAYLOAD_TYPE, payload, key)) };
}

function errorOf(action: () => unknown): ProofgateError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProofgateError) return error;
    throw error;
  }
  throw new Error('expected a ProofgateError');
}

describe('toDsseEnvelope', () => {
  it('uses the JCS bytes as payload', () => {
    const envelope = toDsseEnvelope(bundleSignedBy(first));
    const payload = Buffer.from(envelope.payload, 'base64');

    expect(payload.equals(canonicalBytes(statement))).toBe(true);
    expect(verifyPayloadSignature(envelope.payloadType, payload, envelope.signatures[0] as never, first.publicKey)).toBe(true);
  });

  it('normalizes URL-safe signatures', () => {
    const bundle = bundleSignedBy(first);
    const standard = bundle.signatures[0]?.sig as string;
    const urlSafe = standard.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

    const envelope = toDsseEnvelope({ ...bundle, signatures: [{ keyid: 'k', sig: urlSafe }] });
    expect(envelope.signatures[0]?.sig).toBe(standard);
  });

  it('filters by keyid', () => {
    const envelope = toDsseEnvelope(bundleSignedBy(first, second), sshFingerprint(second.publicKey));
    expect(envelope.signatures.map((signature) => signature.keyid)).toEqual([sshFingerprint(second.publicKey)]);
  });
});

describe('toSigstoreBundle', () => {
  it('sets the hint to the keyid', () => {
    const result = toSigstoreBundle(bundleSignedBy(first));

    expect(result.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(result.verificationMaterial.publicKey.hint).toBe(sshFingerprint(first.publicKey));
    expect(result.dsseEnvelope.signatures).toHaveLength(1);
  });

  it('needs a choice among several signatures', () => {
    const bundle = bundleSignedBy(first, second);
    expect(errorOf(() => toSigstoreBundle(bundle)).message).toMatch(/has 2 signatures, but a Sigstore bundle contains exactly one; choose it with --keyid/);
    expect(toSigstoreBundle(bundle, sshFingerprint(first.publicKey)).verificationMaterial.publicKey.hint).toBe(sshFingerprint(first.publicKey));
  });

  it('rejects unsigned and keyless bundles', () => {
    expect(errorOf(() => toSigstoreBundle(bundleSignedBy())).code).toBe('SIGNATURE_REQUIRED');

    const keyless = bundleSignedBy(first);
    keyless.signatures = keyless.signatures.map((signature) => ({ ...signature, keyid: '' }));
    expect(errorOf(() => toSigstoreBundle(keyless)).code).toBe('BUNDLE_INVALID');
  });
});
