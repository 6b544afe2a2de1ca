import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { signingKeyFromSeed } from '../../src/bundle/keys.js';
import {
  armorSshSignature,
  dearmorSshSignature,
  encodeSshSignatureBlob,
  parseSshSignatureBlob,
  signSshMessage,
  sshSignedData,
  verifySshSignature,
  type SshHashAlgorithm,
} from '../../src/bundle/sshsig.js';
import { APPROVAL_NAMESPACE } from '../../src/bundle/trust.js';
import { readVectorLines, readVectorText, useTempDirs } from './fixtures.js';
import { makeSshKey, readOpensshPrivateKey } from './openssh-key.js';

interface SshsigVector {
  name: string;
  seed_hex?: string;
  namespace?: string;
  hash_algorithm?: SshHashAlgorithm;
  message_text?: string;
  signed_data_hex?: string;
  sshsig_blob_hex?: string;
  armored?: string;
  fingerprint?: string;
  based_on?: string;
  verify_namespace?: string;
}

const makeTempDir = useTempDirs();
const vectors = await readVectorLines<SshsigVector>('sshsig.jsonl');
const positive = vectors.filter((vector) => vector.armored !== undefined);
const byName = new Map(vectors.map((vector) => [vector.name, vector]));

function sshKeygen(args: string[], options: { cwd: string; input?: Buffer }): { status: number | null; output: string } {
  const result = spawnSync('ssh-keygen', args, { cwd: options.cwd, input: options.input ?? Buffer.alloc(0) });

  return { status: result.status, output: `${result.stdout.toString()}${result.stderr.toString()}` };
}

describe('SSHSIG vectors', () => {
  it('has both hash algorithms', () => {
    expect(positive.map((vector) => vector.hash_algorithm).sort()).toEqual(['sha256', 'sha512']);
  });

  for (const vector of positive) {
    const message = Buffer.from(vector.message_text!, 'utf8');
    const key = signingKeyFromSeed(Buffer.from(vector.seed_hex!, 'hex'));

    it(`builds signed data (${vector.hash_algorithm})`, () => {
      expect(sshSignedData(message, vector.namespace!, vector.hash_algorithm).toString('hex')).toBe(vector.signed_data_hex);
    });

    it(`signs byte-identically (${vector.hash_algorithm})`, () => {
      expect(signSshMessage(message, key, vector.namespace!, vector.hash_algorithm)).toBe(vector.armored);
    });

    it(`dearmors the blob (${vector.hash_algorithm})`, () => {
      expect(dearmorSshSignature(vector.armored!).toString('hex')).toBe(vector.sshsig_blob_hex);
    });

    it(`verifies the vector (${vector.hash_algorithm})`, () => {
      const check = verifySshSignature(message, vector.armored!, vector.namespace!);

      expect(check).toMatchObject({ valid: true, fingerprint: vector.fingerprint, hashAlgorithm: vector.hash_algorithm });
    });
  }

  it('rejects the wrong namespace vector', () => {
    const negative = byName.get('negative-wrong-namespace')!;
    const base = byName.get(negative.based_on!)!;

    const check = verifySshSignature(Buffer.from(base.message_text!), base.armored!, negative.verify_namespace!);

    expect(check.valid).toBe(false);
    expect(check.valid ? '' : check.problem).toContain('namespace "proofgate-approval@v1", not "git"');
  });

  it('rejects the tampered message vector', () => {
    const negative = byName.get('negative-tampered-message')!;
    const base = byName.get(negative.based_on!)!;

    const check = verifySshSignature(Buffer.from(negative.message_text!), base.armored!, base.namespace!);

    expect(check.valid).toBe(false);
    expect(check.valid ? '' : check.problem).toContain('does not match the signed content');
  });
});

describe('verifySshSignature', () => {
  const vector = positive.find((item) => item.hash_algorithm === 'sha512')!;
  const message = Buffer.from(vector.message_text!);
  const blob = dearmorSshSignature(vector.armored!);

  it('rejects a version above 1', () => {
    const changed = Buffer.from(blob);
    changed.writeUInt32BE(2, 6);

    const check = verifySshSignature(message, armorSshSignature(changed), APPROVAL_NAMESPACE);

    expect(check.valid ? '' : check.problem).toContain('version 2');
  });

  it('rejects a non-ed25519 key', () => {
    const parsed = parseSshSignatureBlob(blob);
    const rsaKey = Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.alloc(8, 1))]);
    const rebuilt = Buffer.concat([
      Buffer.from('SSHSIG'),
      uint32(1),
      sshString(rsaKey),
      sshString(parsed.namespace),
      sshString(''),
      sshString(parsed.hashAlgorithm),
      sshString(Buffer.concat([sshString('rsa-sha2-512'), sshString(parsed.signature)])),
    ]);

    const check = verifySshSignature(message, armorSshSignature(rebuilt), APPROVAL_NAMESPACE);

    expect(check.valid).toBe(false);
    expect(check.valid ? '' : check.problem).toContain('only ssh-ed25519 signatures natively');
  });

  it('rejects an unknown hash algorithm', () => {
    const parsed = parseSshSignatureBlob(blob);
    const rebuilt = Buffer.concat([
      Buffer.from('SSHSIG'),
      uint32(1),
      sshString(parsed.publicKeyBlob),
      sshString(parsed.namespace),
      sshString(''),
      sshString('md5'),
      sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(parsed.signature)])),
    ]);

    const check = verifySshSignature(message, armorSshSignature(rebuilt), APPROVAL_NAMESPACE);

    expect(check.valid ? '' : check.problem).toContain('hash algorithm "md5"');
  });

  it('rejects a truncated blob', () => {
    const check = verifySshSignature(message, armorSshSignature(blob.subarray(0, blob.length - 10)), APPROVAL_NAMESPACE);

    expect(check.valid ? '' : check.problem).toMatch(/Invalid SSH signature: it ends before/);
  });

  it('rejects trailing bytes', () => {
    const check = verifySshSignature(message, armorSshSignature(Buffer.concat([blob, Buffer.from([0])])), APPROVAL_NAMESPACE);

    expect(check.valid ? '' : check.problem).toContain('unexpected bytes');
  });

  it('rejects text without armor', () => {
    const check = verifySshSignature(message, blob.toString('base64'), APPROVAL_NAMESPACE);

    expect(check.valid ? '' : check.problem).toContain('BEGIN SSH SIGNATURE');
  });

  it('accepts armor without line breaks', () => {
    const oneLine = `-----BEGIN SSH SIGNATURE-----${blob.toString('base64')}-----END SSH SIGNATURE-----`;

    expect(verifySshSignature(message, oneLine, APPROVAL_NAMESPACE).valid).toBe(true);
  });

  it('round-trips an encoded blob', () => {
    const parsed = parseSshSignatureBlob(blob);
    const encoded = encodeSshSignatureBlob({
      publicKey: parsed.publicKeyBlob.subarray(-32),
      namespace: parsed.namespace,
      hashAlgorithm: 'sha512',
      signature: parsed.signature,
    });

    expect(encoded.equals(blob)).toBe(true);
  });
});

describe('SSHSIG against ssh-keygen', () => {
  it('reads the openssh-key-v1 vector', async () => {
    const vector = JSON.parse(await readVectorText('openssh-key-v1-ed25519.json')) as { private_key_file: string; seed_hex: string };

    expect(Buffer.from(readOpensshPrivateKey(vector.private_key_file).seed).toString('hex')).toBe(vector.seed_hex);
  });

  it('verifies an ssh-keygen signature', async () => {
    const dir = await makeTempDir();
    const alice = makeSshKey(dir, 'id_alice', 'alice@example.com');
    writeFileSync(join(dir, 'msg.txt'), 'approve sha256:1234\n');

    const signed = sshKeygen(['-Y', 'sign', '-f', alice.privatePath, '-n', APPROVAL_NAMESPACE, 'msg.txt'], { cwd: dir });
    expect(signed.status, signed.output).toBe(0);
    const armored = readFileSync(join(dir, 'msg.txt.sig'), 'utf8');
    const check = verifySshSignature(readFileSync(join(dir, 'msg.txt')), armored, APPROVAL_NAMESPACE);

    const listed = execFileSync('ssh-keygen', ['-l', '-f', alice.publicPath], { encoding: 'utf8' });
    expect(check.valid).toBe(true);
    expect(listed).toContain(check.valid ? check.fingerprint : 'invalid');
  });

  it('matches ssh-keygen byte for byte', async () => {
    const dir = await makeTempDir();
    const alice = makeSshKey(dir, 'id_alice', 'alice@example.com');
    writeFileSync(join(dir, 'msg.txt'), 'approve sha256:abcd\n');

    const signed = sshKeygen(['-Y', 'sign', '-f', alice.privatePath, '-n', APPROVAL_NAMESPACE, 'msg.txt'], { cwd: dir });
    expect(signed.status, signed.output).toBe(0);

    expect(signSshMessage(Buffer.from('approve sha256:abcd\n'), alice.key, APPROVAL_NAMESPACE)).toBe(readFileSync(join(dir, 'msg.txt.sig'), 'utf8'));
  });

  for (const hashAlgorithm of ['sha512', 'sha256'] as const) {
    it(`ssh-keygen verifies ours (${hashAlgorithm})`, async () => {
      const dir = await makeTempDir();
      const alice = makeSshKey(dir, 'id_alice', 'alice@example.com');
      const message = Buffer.from(`{"approve":"${hashAlgorithm}"}`);
      writeFileSync(join(dir, 'allowed_signers'), `alice@example.com namespaces="${APPROVAL_NAMESPACE}" ${alice.publicLine}\n`);
      writeFileSync(join(dir, 'msg.sig'), signSshMessage(message, alice.key, APPROVAL_NAMESPACE, hashAlgorithm));

      const verify = (input: Buffer, namespace: string) =>
        sshKeygen(['-Y', 'verify', '-f', 'allowed_signers', '-I', 'alice@example.com', '-n', namespace, '-s', 'msg.sig'], { cwd: dir, input });

      const good = verify(message, APPROVAL_NAMESPACE);
      expect(good.status, good.output).toBe(0);
      expect(good.output).toContain('Good "proofgate-approval@v1" signature for alice@example.com');

      expect(verify(Buffer.concat([message, Buffer.from(' ')]), APPROVAL_NAMESPACE).status).not.toBe(0);
      expect(verify(message, 'git').status).not.toBe(0);
    });
  }

  it('ssh-keygen rejects the eval namespace', async () => {
    const dir = await makeTempDir();
    const alice = makeSshKey(dir, 'id_alice', 'alice@example.com');
    const message = Buffer.from('evaluation');
    writeFileSync(join(dir, 'allowed_signers'), `alice@example.com namespaces="${APPROVAL_NAMESPACE}" ${alice.publicLine}\n`);
    writeFileSync(join(dir, 'msg.sig'), signSshMessage(message, alice.key, 'proofgate-eval@v1'));

    const result = sshKeygen(['-Y', 'verify', '-f', 'allowed_signers', '-I', 'alice@example.com', '-n', 'proofgate-eval@v1', '-s', 'msg.sig'], { cwd: dir, input: message });

    expect(result.status).not.toBe(0);
    expect(verifySshSignature(message, readFileSync(join(dir, 'msg.sig'), 'utf8'), APPROVAL_NAMESPACE).valid).toBe(false);
  });
});

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function sshString(data: string | Buffer): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([uint32(bytes.length), bytes]);
}
