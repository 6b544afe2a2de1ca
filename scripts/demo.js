#!/usr/bin/env node
// The quick start's main job: make a demo signing key (once per clone), run the
// GSM8K example, then check the bundle with `proofgate verify` and with openssl
// alone, so a new user sees every part of the proof in one command.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'proofgate.js');
const key = path.join(root, '.proofgate-demo', 'demo-key.pem');
const trust = path.join(root, '.proofgate-demo', 'allowed_signers');

function proofgate(args) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout };
}

if (!existsSync(key)) {
  rmSync(trust, { force: true });
  const made = proofgate(['keygen', '--out', key, '--principal', 'demo@proofgate.local', '--trust', trust]);
  if (made.status !== 0) process.exit(made.status ?? 1);
}

const run = proofgate(['run', 'examples/gsm8k-pot/pipeline.yaml', '--key', key, '--json']);
if (run.status !== 0) process.exit(run.status ?? 1);
const bundle = JSON.parse(run.stdout).bundle;

console.error(`\n$ proofgate verify ${bundle} --trust ${path.relative(root, trust)}`);
const verified = proofgate(['verify', bundle, '--trust', trust]);
if (verified.status !== 0) process.exit(verified.status ?? 1);

console.error('\n$ openssl pkeyutl -verify -rawin (DSSE PAE bytes, SPKI public key)');
console.error(verifyWithOpenssl(path.join(root, bundle)));

/**
 * Rebuilds the signed bytes the way any DSSE verifier does and lets openssl
 * check them: PAE("application/vnd.in-toto+json", JCS(statement)).
 */
function verifyWithOpenssl(bundlePath) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-demo-'));
  try {
    const payload = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import canonicalize from 'canonicalize';
      import { readFileSync } from 'node:fs';
      process.stdout.write(canonicalize(JSON.parse(readFileSync(${JSON.stringify(bundlePath)}, 'utf8')).statement));
    `], { cwd: root });
    const bundleJson = JSON.parse(readFileSync(bundlePath, 'utf8'));
    const type = bundleJson.payloadType;
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
    const publicKey = Buffer.from(readFileSync(`${key}.pub`, 'utf8').split(' ')[1], 'base64').subarray(-32);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
    writeFileSync(path.join(dir, 'pae.bin'), pae);
    writeFileSync(path.join(dir, 'sig.bin'), Buffer.from(bundleJson.signatures[0].sig, 'base64'));
    writeFileSync(path.join(dir, 'pub.pem'), `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`);
    return execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'pae.bin', '-sigfile', 'sig.bin'], { cwd: dir, encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
