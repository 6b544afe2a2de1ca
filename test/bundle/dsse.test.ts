import { createPublicKey, verify } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { decodeBase64Any, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../../src/bundle/dsse.js';
import { signingKeyFromSeed } from '../../src/bundle/keys.js';
import { signPayload, verifyPayloadSignature } from '../../src/bundle/sign.js';
import { ProofgateError } from '../../src/errors.js';
import { catchError, readVectorLines } from './fixtures.js';

interface PaeVector {
  name: string;
  payloadType: string;
  payload_b64: string;
  pae_hex: string;
  pae_text: string;
  seed_hex?: string;
  public_key_hex?: string;
  public_key_spki_der_hex: string;
  sig_b64?: string;
  envelope: { payload: string; payloadType: string; signatures: Array<{ keyid: string; sig: string }> };
}

const vectors = await readVectorLines<PaeVector>('dsse-pae.jsonl');
const ed25519Vectors = vectors.filter((vector) => vector.seed_hex !== undefined);

describe('preAuthEncoding', () => {
  it('matches every PAE vector', () => {
    expect(vectors).toHaveLength(6);

    for (const vector of vectors) {
      const pae = preAuthEncoding(vector.payloadType, decodeBase64Any(vector.payload_b64));

      expect(pae.toString('hex'), vector.name).toBe(vector.pae_hex);
      expect(pae.toString('utf8'), vector.name).toBe(vector.pae_text);
    }
  });

  it('counts type length in bytes', () => {
    const pae = preAuthEncoding('application/vnd.exämple+json', Buffer.from('{"k":"v"}'));

    expect(pae.toString('utf8')).toBe('DSSEv1 29 application/vnd.exämple+json 9 {"k":"v"}');
  });

  it('keeps the in-toto media type', () => {
    expect(IN_TOTO_PAYLOAD_TYPE).toBe('application/vnd.in-toto+json');
  });

  it('verifies the spec ECDSA vector', () => {
    const vector = vectors.find((entry) => entry.name === 'dsse-spec-hello-world-ecdsa-p256');
    const signature = vector?.envelope.signatures[0]?.sig;

    expect(vector).toBeDefined();
    expect(signature).toBeDefined();

    const key = createPublicKey({ key: Buffer.from(vector!.public_key_spki_der_hex, 'hex'), format: 'der', type: 'spki' });
    const pae = preAuthEncoding(vector!.payloadType, decodeBase64Any(vector!.payload_b64));
    const ok = verify('sha256', pae, { key, dsaEncoding: 'ieee-p1363' }, decodeBase64Any(signature!));

    expect(ok).toBe(true);
  });
});

describe('ed25519 DSSE vectors', () => {
  it('reproduces every signature', () => {
    expect(ed25519Vectors).toHaveLength(5);

    for (const vector of ed25519Vectors) {
      const key = signingKeyFromSeed(Buffer.from(vector.seed_hex!, 'hex'));
      const body = decodeBase64Any(vector.payload_b64);

      expect(Buffer.from(key.publicKey).toString('hex'), vector.name).toBe(vector.public_key_hex);
      expect(signPayload(vector.payloadType, body, key).sig, vector.name).toBe(vector.sig_b64);
    }
  });

  it('verifies every envelope signature', () => {
    for (const vector of ed25519Vectors) {
      const publicKey = Buffer.from(vector.public_key_hex!, 'hex');
      const envelope = vector.envelope;
      const body = decodeBase64Any(envelope.payload);
      const signature = envelope.signatures[0]!;

      expect(verifyPayloadSignature(envelope.payloadType, body, signature, publicKey), vector.name).toBe(true);
      expect(verifyPayloadSignature(`${envelope.payloadType}x`, body, signature, publicKey), vector.name).toBe(false);
    }
  });
});

describe('decodeBase64Any', () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x10]);

  it('accepts both alphabets', () => {
    expect(decodeBase64Any('+/+/AA==')).toEqual(Buffer.from([0xfb, 0xff, 0xbf, 0x00]));
    expect(decodeBase64Any('-_-_AA==')).toEqual(Buffer.from([0xfb, 0xff, 0xbf, 0x00]));
  });

  it('accepts missing padding', () => {
    expect(decodeBase64Any(bytes.toString('base64'))).toEqual(bytes);
    expect(decodeBase64Any(bytes.toString('base64url'))).toEqual(bytes);
    expect(decodeBase64Any('')).toEqual(Buffer.alloc(0));
  });

  it('rejects invalid characters', () => {
    for (const text of ['ab$c', 'ab c', 'ab=c', 'abc\n']) {
      const error = catchError(() => decodeBase64Any(text));

      expect(error, JSON.stringify(text)).toBeInstanceOf(ProofgateError);
      expect((error as ProofgateError).code).toBe('BUNDLE_INVALID');
    }
  });

  it('rejects impossible lengths', () => {
    for (const text of ['a', 'abcde', 'ab=', 'abcd==', '=']) {
      const error = catchError(() => decodeBase64Any(text));

      expect(error, text).toBeInstanceOf(ProofgateError);
    }
  });
});
