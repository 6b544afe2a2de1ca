import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { TempProject } from '../helpers/project.js';
import { createHistoryProject, readJson, signedRun } from './history-fixture.js';

let project: TempProject;
let bundle: string;

beforeAll(async () => {
  project = await createHistoryProject();
  bundle = await signedRun(project);
}, 60_000);

afterAll(() => project.remove());

// SPKI DER of an ed25519 key is this fixed prefix followed by the 32 key bytes.
function publicKeyPem(): string {
  const blob = Buffer.from(readFileSync(project.path('keys/ci.pem.pub'), 'utf8').split(' ')[1] as string, 'base64');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), blob.subarray(-32)]);
  return `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { cwd: project.dir, encoding: 'utf8', stdio: 'pipe' });
}

function sigstoreVerify(serialized: unknown): string {
  const trustedRoot = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  const key = createPublicKey(publicKeyPem());
  const trust = toTrustMaterial(trustedRoot as never, () => ({ publicKey: key, validFor: () => true }));
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });

  const signer = verifier.verify(toSignedEntity(bundleFromJSON(serialized)));
  return signer.key.asymmetricKeyType ?? '';
}

describe('export --format dsse', () => {
  it('carries the signed JCS bytes', async () => {
    const result = await runCli(['export', bundle], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    const envelope = JSON.parse(result.stdout);
    const expected = Buffer.from(canonicalize(readJson(bundle).statement) as string, 'utf8');
    expect(Buffer.from(envelope.payload, 'base64').equals(expected)).toBe(true);
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(envelope.signatures).toEqual(readJson(bundle).signatures);
  });

  it('verifies with openssl', async () => {
    const result = await runCli(['export', bundle, '--format', 'dsse', '--output', 'envelope.json'], { cwd: project.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');

    const envelope = JSON.parse(readFileSync(project.path('envelope.json'), 'utf8'));
    const type = Buffer.from(envelope.payloadType, 'utf8');
    const body = Buffer.from(envelope.payload, 'base64');
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
    writeFileSync(project.path('pae.bin'), pae);
    writeFileSync(project.path('sig.bin'), Buffer.from(envelope.signatures[0].sig, 'base64'));
    writeFileSync(project.path('pub.pem'), publicKeyPem());

    const verify = ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'pae.bin', '-sigfile', 'sig.bin'];
    expect(openssl(verify)).toContain('Signature Verified Successfully');

    writeFileSync(project.path('pae.bin'), Buffer.concat([pae.subarray(0, -2), Buffer.from(' }')]));
    expect(() => openssl(verify)).toThrow();
  });

  it('resolves a version prefix', async () => {
    const version = readJson(bundle).statement.subject[0].digest.sha256 as string;
    const result = await runCli(['export', version.slice(0, 9)], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).signatures).toHaveLength(1);
  });
});

describe('export --format sigstore', () => {
  it('verifies with @sigstore/verify', async () => {
    const result = await runCli(['export', bundle, '--format', 'sigstore'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    const serialized = JSON.parse(result.stdout);
    expect(serialized.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(serialized.verificationMaterial.tlogEntries).toEqual([]);
    expect(serialized.verificationMaterial.publicKey.hint).toBe(serialized.dsseEnvelope.signatures[0].keyid);
    expect(serialized.dsseEnvelope.signatures[0].keyid).toMatch(/^SHA256:/);
    expect(sigstoreVerify(serialized)).toBe('ed25519');
  });

  it('rejects a tampered payload', async () => {
    const result = await runCli(['export', bundle, '--format', 'sigstore'], { cwd: project.dir });
    const serialized = JSON.parse(result.stdout);
    const statement = JSON.parse(Buffer.from(serialized.dsseEnvelope.payload, 'base64').toString('utf8'));
    statement.predicate.verdict = statement.predicate.verdict === 'pass' ? 'fail' : 'pass';
    serialized.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');

    expect(() => sigstoreVerify(serialized)).toThrow(expect.objectContaining({ code: 'SIGNATURE_ERROR' }));
  });

  it('rejects an unknown keyid', async () => {
    const result = await runCli(['export', bundle, '--format', 'sigstore', '--keyid', 'SHA256:nope'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the bundle has no signature with keyid SHA256:nope');
  });

  it('rejects an unsigned bundle', async () => {
    const unsigned = await runCli(['run', '--no-cache'], { cwd: project.dir });
    expect(unsigned.code, unsigned.stderr).toBe(0);
    const file = project.bundles('faq').at(-1) as string;

    const result = await runCli(['export', file, '--format', 'sigstore'], { cwd: project.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the bundle is unsigned');

    const dsse = await runCli(['export', file], { cwd: project.dir });
    expect(dsse.code, dsse.stderr).toBe(0);
    expect(JSON.parse(dsse.stdout).signatures).toEqual([]);
  });

  it('rejects an unknown format', async () => {
    const result = await runCli(['export', bundle, '--format', 'cosign'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Allowed choices are dsse, sigstore/);
  });
});
