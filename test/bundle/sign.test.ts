import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../../src/bundle/dsse.js';
import { canonicalBytes } from '../../src/bundle/jcs.js';
import { generateSigningKey, publicKeyToSpkiPem, sshFingerprint } from '../../src/bundle/keys.js';
import { signPayload, verifyPayloadSignature } from '../../src/bundle/sign.js';
import { useTempDirs } from './fixtures.js';

const makeTempDir = useTempDirs();

const statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'support-answers', digest: { sha256: 'ab'.repeat(32) } }],
  predicateType: 'https://proofgate.dev/eval/v1',
  predicate: { verdict: 'pass', metrics: { accuracy: { value: 0.93 } } },
};

async function opensslVerify(dir: string, pae: Buffer, signature: Buffer): Promise<number> {
  await writeFile(join(dir, 'pae.bin'), pae);
  await writeFile(join(dir, 'sig.bin'), signature);

  const args = ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'pae.bin', '-sigfile', 'sig.bin'];
  const result = await execa('openssl', args, { cwd: dir, reject: false });

  return result.exitCode ?? -1;
}

describe('signPayload with openssl', () => {
  it('verifies with openssl pkeyutl', async () => {
    const dir = await makeTempDir();
    const key = generateSigningKey();
    const body = canonicalBytes(statement);
    const signature = signPayload(IN_TOTO_PAYLOAD_TYPE, body, key);
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body);

    await writeFile(join(dir, 'pub.pem'), publicKeyToSpkiPem(key.publicKey));

    expect(await opensslVerify(dir, pae, Buffer.from(signature.sig, 'base64'))).toBe(0);
  });

  it('fails openssl after one flip', async () => {
    const dir = await makeTempDir();
    const key = generateSigningKey();
    const body = canonicalBytes(statement);
    const signature = Buffer.from(signPayload(IN_TOTO_PAYLOAD_TYPE, body, key).sig, 'base64');
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, body);
    const flippedPae = Buffer.from(pae);
    const flippedSignature = Buffer.from(signature);

    flippedPae[flippedPae.length - 5]! ^= 0x01;
    flippedSignature[10]! ^= 0x80;

    await writeFile(join(dir, 'pub.pem'), publicKeyToSpkiPem(key.publicKey));

    expect(await opensslVerify(dir, flippedPae, signature)).not.toBe(0);
    expect(await opensslVerify(dir, pae, flippedSignature)).not.toBe(0);
  });
});

describe('verifyPayloadSignature', () => {
  const key = generateSigningKey();
  const body = Buffer.from('{"a":1}');
  const signature = signPayload(IN_TOTO_PAYLOAD_TYPE, body, key);

  it('sets keyid to the fingerprint', () => {
    expect(signature.keyid).toBe(sshFingerprint(key.publicKey));
    expect(Buffer.from(signature.sig, 'base64')).toHaveLength(64);
  });

  it('accepts URL-safe unpadded signatures', () => {
    const urlSafe = { ...signature, sig: Buffer.from(signature.sig, 'base64').toString('base64url') };

    expect(verifyPayloadSignature(IN_TOTO_PAYLOAD_TYPE, body, urlSafe, key.publicKey)).toBe(true);
  });

  it('ignores the keyid', () => {
    const wrongHint = { ...signature, keyid: 'SHA256:someone-else' };

    expect(verifyPayloadSignature(IN_TOTO_PAYLOAD_TYPE, body, wrongHint, key.publicKey)).toBe(true);
  });

  it('rejects changed type or body', () => {
    expect(verifyPayloadSignature('application/json', body, signature, key.publicKey)).toBe(false);
    expect(verifyPayloadSignature(IN_TOTO_PAYLOAD_TYPE, Buffer.from('{"a":2}'), signature, key.publicKey)).toBe(false);
    expect(verifyPayloadSignature(IN_TOTO_PAYLOAD_TYPE, body, signature, generateSigningKey().publicKey)).toBe(false);
  });

  it('returns false for malformed input', () => {
    const short = Buffer.from(signature.sig, 'base64').subarray(0, 63).toString('base64');
    const long = Buffer.concat([Buffer.from(signature.sig, 'base64'), Buffer.alloc(1)]).toString('base64');
    const malformed = [
      { ...signature, sig: 'not base64!' },
      { ...signature, sig: '' },
      { ...signature, sig: short },
      { ...signature, sig: long },
      { ...signature, sig: 42 as unknown as string },
    ];

    for (const entry of malformed) {
      expect(verifyPayloadSignature(IN_TOTO_PAYLOAD_TYPE, body, entry, key.publicKey), String(entry.sig)).toBe(false);
    }

    expect(verifyPayloadSignature(IN_TOTO_PAYLOAD_TYPE, body, signature, key.publicKey.subarray(0, 31))).toBe(false);
    expect(verifyPayloadSignature(IN_TOTO_PAYLOAD_TYPE, body, signature, new Uint8Array(33))).toBe(false);
  });
});
