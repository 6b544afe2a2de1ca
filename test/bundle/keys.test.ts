import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { execa } from 'execa';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';

import {
  generateSigningKey,
  loadSigningKey,
  parsePrivateKeyPem,
  parseSshPublicKey,
  privateKeyToPem,
  publicKeyToSpkiPem,
  publicKeyToSshLine,
  signingKeyFromSeed,
  sshFingerprint,
  writeKeyPair,
} from '../../src/bundle/keys.js';
import { signPayload, verifyPayloadSignature } from '../../src/bundle/sign.js';
import { ProofgateError } from '../../src/errors.js';
import { catchError, catchRejection, readVectorLines, readVectorText, useTempDirs } from './fixtures.js';

interface RfcVector {
  name: string;
  secret_key_seed_hex: string;
  public_key_hex: string;
  message_hex: string;
  signature_hex: string;
  spki_der_hex: string;
  pkcs8_der_hex: string;
}

interface KeyIds {
  public_key_hex: string;
  spki_pem: string;
  openssh_public: string;
  openssh_fingerprint: string;
}

const makeTempDir = useTempDirs();
const rfcVectors = await readVectorLines<RfcVector>('ed25519-rfc8032.jsonl');
const keyIds = JSON.parse(await readVectorText('key-ids-rfc8032-test1.json')) as KeyIds;
const openSshKey = JSON.parse(await readVectorText('openssh-key-v1-ed25519.json')) as { private_key_file: string };

function pemToDerHex(pem: string): string {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

  return Buffer.from(body, 'base64').toString('hex');
}

function expectKeyInvalid(text: string, source: string): ProofgateError {
  const error = catchError(() => parsePrivateKeyPem(text, source));

  expect(error).toBeInstanceOf(ProofgateError);

  const { code, message } = error as ProofgateError;

  expect(code).toBe('KEY_INVALID');
  expect(message).toContain(source);
  expect(message).toContain('proofgate keygen');
  expect(message).toContain('openssl genpkey -algorithm ed25519');

  for (const line of text.split('\n').filter((part) => part.length >= 8 && !part.startsWith('-----'))) {
    expect(message).not.toContain(line.slice(0, 16));
  }

  return error as ProofgateError;
}

async function openssl(args: string[], cwd: string): Promise<string> {
  const result = await execa('openssl', args, { cwd });

  return result.stdout;
}

describe('RFC 8032 key vectors', () => {
  it('derives keys and signatures', () => {
    expect(rfcVectors).toHaveLength(3);

    for (const vector of rfcVectors) {
      const key = signingKeyFromSeed(Buffer.from(vector.secret_key_seed_hex, 'hex'));
      const signature = nacl.sign.detached(Buffer.from(vector.message_hex, 'hex'), key.secretKey);

      expect(Buffer.from(key.publicKey).toString('hex'), vector.name).toBe(vector.public_key_hex);
      expect(Buffer.from(key.secretKey).toString('hex'), vector.name).toBe(vector.secret_key_seed_hex + vector.public_key_hex);
      expect(Buffer.from(signature).toString('hex'), vector.name).toBe(vector.signature_hex);
    }
  });

  it('encodes SPKI and PKCS#8 DER', () => {
    for (const vector of rfcVectors) {
      const key = signingKeyFromSeed(Buffer.from(vector.secret_key_seed_hex, 'hex'));

      expect(pemToDerHex(publicKeyToSpkiPem(key.publicKey)), vector.name).toBe(vector.spki_der_hex);
      expect(pemToDerHex(privateKeyToPem(key)), vector.name).toBe(vector.pkcs8_der_hex);
    }
  });

  it('parses PKCS#8 back to seed', () => {
    for (const vector of rfcVectors) {
      const der = Buffer.from(vector.pkcs8_der_hex, 'hex');
      const pem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
      const key = parsePrivateKeyPem(pem, 'vector.pem');

      expect(Buffer.from(key.seed).toString('hex'), vector.name).toBe(vector.secret_key_seed_hex);
      expect(Buffer.from(key.publicKey).toString('hex'), vector.name).toBe(vector.public_key_hex);
    }
  });
});

describe('key id vectors', () => {
  const publicKey = Buffer.from(keyIds.public_key_hex, 'hex');

  it('computes the OpenSSH fingerprint', () => {
    expect(sshFingerprint(publicKey)).toBe(keyIds.openssh_fingerprint);
  });

  it('writes SPKI PEM', () => {
    expect(publicKeyToSpkiPem(publicKey)).toBe(keyIds.spki_pem);
  });

  it('writes and reads ssh lines', () => {
    expect(publicKeyToSshLine(publicKey)).toBe(keyIds.openssh_public);
    expect(publicKeyToSshLine(publicKey, 'ci@example.com')).toBe(`${keyIds.openssh_public} ci@example.com`);
    expect(Buffer.from(parseSshPublicKey(`  ${keyIds.openssh_public} a comment \n`))).toEqual(publicKey);
  });

  it('rejects other ssh key types', () => {
    const rsaLine = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 alice';
    const mislabelled = `ssh-ed25519 ${Buffer.from('\0\0\0\x07ssh-rsa\0\0\0\x01x', 'latin1').toString('base64')}`;

    for (const line of [rsaLine, mislabelled, '', 'ssh-ed25519']) {
      const error = catchError(() => parseSshPublicKey(line));

      expect(error, line).toBeInstanceOf(ProofgateError);
      expect((error as ProofgateError).code).toBe('KEY_INVALID');
    }
  });

  it('rejects multi-line comments', () => {
    const error = catchError(() => publicKeyToSshLine(publicKey, 'a\nb'));

    expect((error as ProofgateError).code).toBe('USAGE');
  });

  it('matches ssh-keygen fingerprint', async () => {
    const dir = await makeTempDir();
    const key = generateSigningKey();
    const { publicPath } = await writeKeyPair(join(dir, 'key.pem'), key, 'ci@example.com');
    const { stdout } = await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicPath]);

    expect(stdout).toContain(sshFingerprint(key.publicKey));
    expect(stdout).toContain('ci@example.com');
  });
});

describe('openssl interoperability', () => {
  it('loads openssl genpkey keys', async () => {
    const dir = await makeTempDir();

    await openssl(['genpkey', '-algorithm', 'ed25519', '-out', 'key.pem'], dir);

    const pem = await readFile(join(dir, 'key.pem'), 'utf8');
    const key = parsePrivateKeyPem(pem, 'key.pem');
    const body = Buffer.from('payload');
    const signature = signPayload('text/plain', body, key);
    const opensslPublic = await openssl(['pkey', '-in', 'key.pem', '-pubout'], dir);

    expect(verifyPayloadSignature('text/plain', body, signature, key.publicKey)).toBe(true);
    expect(`${opensslPublic}\n`).toBe(publicKeyToSpkiPem(key.publicKey));
    expect(privateKeyToPem(key)).toBe(pem);
  });

  it('writes keys openssl reads', async () => {
    const dir = await makeTempDir();
    const key = generateSigningKey();

    await writeKeyPair(join(dir, 'ours.pem'), key, 'test');

    const opensslPublic = await openssl(['pkey', '-in', 'ours.pem', '-pubout'], dir);

    expect(`${opensslPublic}\n`).toBe(publicKeyToSpkiPem(key.publicKey));
  });
});

describe('parsePrivateKeyPem rejections', () => {
  it('rejects other algorithms', async () => {
    const dir = await makeTempDir();

    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'rsa.pem'], dir);
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.pem'], dir);
    await openssl(['genpkey', '-algorithm', 'ed448', '-out', 'ed448.pem'], dir);
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sec1.pem'], dir);

    const expected: Record<string, string> = { 'rsa.pem': 'rsa', 'ec.pem': 'ec', 'ed448.pem': 'ed448', 'sec1.pem': 'EC' };

    for (const [file, type] of Object.entries(expected)) {
      const error = expectKeyInvalid(await readFile(join(dir, file), 'utf8'), file);

      expect(error.message, file).toContain(`key of type ${type}`);
    }
  });

  it('rejects encrypted keys', async () => {
    const dir = await makeTempDir();

    await openssl(['genpkey', '-algorithm', 'ed25519', '-aes256', '-pass', 'pass:secret', '-out', 'enc.pem'], dir);

    const error = expectKeyInvalid(await readFile(join(dir, 'enc.pem'), 'utf8'), 'enc.pem');

    expect(error.message).toContain('encrypted');
    expect(error.message).not.toContain('secret');
  });

  it('rejects OpenSSH private keys', () => {
    const error = expectKeyInvalid(openSshKey.private_key_file, 'id_ed25519');

    expect(error.message).toContain('OpenSSH format');
  });

  it('rejects garbage and public keys', () => {
    expectKeyInvalid('hello world, not a key at all', 'PROOFGATE_SIGNING_KEY');
    expectKeyInvalid(keyIds.spki_pem, 'pub.pem');
    expectKeyInvalid('-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI!!!\n-----END PRIVATE KEY-----\n', 'bad.pem');
    expectKeyInvalid('-----BEGIN PRIVATE KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PRIVATE KEY-----\n', 'spki-as-private.pem');
  });

  it('accepts escaped newlines', () => {
    const key = generateSigningKey();
    const oneLine = privateKeyToPem(key).replaceAll('\n', '\\n');

    expect(Buffer.from(parsePrivateKeyPem(oneLine, 'PROOFGATE_SIGNING_KEY').seed)).toEqual(Buffer.from(key.seed));
  });
});

describe('loadSigningKey', () => {
  it('prefers the key file', async () => {
    const dir = await makeTempDir();
    const fileKey = generateSigningKey();
    const envKey = generateSigningKey();
    const keyFile = join(dir, 'key.pem');

    await writeFile(keyFile, privateKeyToPem(fileKey));

    const loaded = await loadSigningKey({ keyFile, env: { PROOFGATE_SIGNING_KEY: privateKeyToPem(envKey) } });

    expect(Buffer.from(loaded!.publicKey)).toEqual(Buffer.from(fileKey.publicKey));
  });

  it('falls back to the environment', async () => {
    const envKey = generateSigningKey();
    const loaded = await loadSigningKey({ env: { PROOFGATE_SIGNING_KEY: privateKeyToPem(envKey) } });

    expect(Buffer.from(loaded!.publicKey)).toEqual(Buffer.from(envKey.publicKey));
  });

  it('reads a file named by the environment', async () => {
    const dir = await makeTempDir();
    const envKey = generateSigningKey();
    const keyFile = join(dir, 'gitlab-file-variable');
    await writeFile(keyFile, privateKeyToPem(envKey));

    const loaded = await loadSigningKey({ env: { PROOFGATE_SIGNING_KEY: keyFile } });

    expect(Buffer.from(loaded!.publicKey)).toEqual(Buffer.from(envKey.publicKey));
  });

  it('returns undefined without a key', async () => {
    expect(await loadSigningKey({ env: {} })).toBeUndefined();
    expect(await loadSigningKey({ env: { PROOFGATE_SIGNING_KEY: '  \n' } })).toBeUndefined();
  });

  it('names a missing key file', async () => {
    const dir = await makeTempDir();
    const keyFile = join(dir, 'absent.pem');
    const error = await catchRejection(loadSigningKey({ keyFile, env: {} }));

    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).code).toBe('KEY_MISSING');
    expect((error as ProofgateError).message).toContain(keyFile);
  });

  it('names the environment variable', async () => {
    const error = await catchRejection(loadSigningKey({ env: { PROOFGATE_SIGNING_KEY: 'not a key' } }));

    expect((error as ProofgateError).code).toBe('KEY_INVALID');
    expect((error as ProofgateError).message).toContain('PROOFGATE_SIGNING_KEY');
  });
});

describe('writeKeyPair', () => {
  it('writes both files with modes', async () => {
    const dir = await makeTempDir();
    const key = generateSigningKey();
    const outPath = join(dir, 'nested', 'signing.pem');
    const paths = await writeKeyPair(outPath, key, 'ci@example.com');

    expect(paths).toEqual({ privatePath: outPath, publicPath: `${outPath}.pub` });
    expect((await stat(outPath)).mode & 0o777).toBe(0o600);
    expect((await stat(`${outPath}.pub`)).mode & 0o777).toBe(0o644);
    expect(await readFile(outPath, 'utf8')).toBe(privateKeyToPem(key));
    expect(await readFile(`${outPath}.pub`, 'utf8')).toBe(`${publicKeyToSshLine(key.publicKey, 'ci@example.com')}\n`);
  });

  it('never overwrites a key', async () => {
    const dir = await makeTempDir();
    const outPath = join(dir, 'signing.pem');
    const first = generateSigningKey();

    await writeKeyPair(outPath, first, 'first');

    const error = await catchRejection(writeKeyPair(outPath, generateSigningKey(), 'second'));

    expect((error as ProofgateError).code).toBe('USAGE');
    expect((error as ProofgateError).message).toContain('already exists');
    expect(await readFile(outPath, 'utf8')).toBe(privateKeyToPem(first));
    expect(await readFile(`${outPath}.pub`, 'utf8')).toContain('first');
  });

  it('checks the .pub file first', async () => {
    const dir = await makeTempDir();
    const outPath = join(dir, 'signing.pem');

    await writeFile(`${outPath}.pub`, 'old public key\n');

    const error = await catchRejection(writeKeyPair(outPath, generateSigningKey(), 'new'));

    expect((error as ProofgateError).code).toBe('USAGE');
    expect((error as ProofgateError).message).toContain(`${outPath}.pub`);
    await expect(stat(outPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('generateSigningKey', () => {
  it('makes distinct consistent keys', () => {
    const first = generateSigningKey();
    const second = generateSigningKey();

    expect(Buffer.from(first.secretKey)).toEqual(Buffer.concat([first.seed, first.publicKey]));
    expect(Buffer.from(signingKeyFromSeed(first.seed).publicKey)).toEqual(Buffer.from(first.publicKey));
    expect(Buffer.from(first.seed)).not.toEqual(Buffer.from(second.seed));
  });
});
