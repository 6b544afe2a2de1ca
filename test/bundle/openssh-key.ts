import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { signingKeyFromSeed, type SigningKey } from '../../src/bundle/keys.js';

/**
 * Reads the ed25519 seed from an unencrypted openssh-key-v1 private key file
 * (OpenSSH PROTOCOL.key), so tests can sign natively with a key that
 * ssh-keygen made. Encrypted keys are out of scope.
 */
export function readOpensshPrivateKey(text: string): SigningKey {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1];
  if (body === undefined) throw new Error('not an OpenSSH private key');

  const data = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  let offset = 'openssh-key-v1\0'.length;
  const next = (): Buffer => {
    const length = data.readUInt32BE(offset);
    const value = data.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };

  const cipher = next().toString();
  if (cipher !== 'none') throw new Error(`encrypted key (${cipher})`);
  next(); // kdf name
  next(); // kdf options
  offset += 4; // number of keys
  next(); // public key blob

  const section = next();

  // Inside the private section: two check ints, key type, public key, then the 64-byte secret key.
  let inner = 8;
  const read = (): Buffer => {
    const length = section.readUInt32BE(inner);
    const value = section.subarray(inner + 4, inner + 4 + length);
    inner += 4 + length;
    return value;
  };
  read(); // key type
  read(); // public key
  const secret = read();

  return signingKeyFromSeed(secret.subarray(0, 32));
}

/** Makes a passphrase-less ed25519 key with the real ssh-keygen, as a reviewer would. */
export function makeSshKey(dir: string, name: string, comment: string): { privatePath: string; publicPath: string; publicLine: string; key: SigningKey } {
  const privatePath = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', privatePath], { stdio: 'pipe' });
  const publicLine = readFileSync(`${privatePath}.pub`, 'utf8').trim();

  return { privatePath, publicPath: `${privatePath}.pub`, publicLine, key: readOpensshPrivateKey(readFileSync(privatePath, 'utf8')) };
}
