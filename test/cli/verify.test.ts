import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { createProject, initGit, type TempProject } from '../helpers/project.js';

let project: TempProject;

const PIPELINE = `name: faq
target:
  exec:
    command: [node, app.js]
config:
  prompt: file:prompt.md
materials: [app.js]
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}" }
metrics:
  accuracy: mean(exact)
gates:
  - accuracy >= 1
`;

async function keygen(): Promise<{ key: string; trust: string }> {
  const result = await runCli(['keygen', '--out', 'keys/ci.pem', '--principal', 'ci@example.com', '--trust', '.proofgate/allowed_signers'], { cwd: project.dir });
  expect(result.code, result.stderr).toBe(0);
  return { key: project.path('keys/ci.pem'), trust: project.path('.proofgate/allowed_signers') };
}

async function signedRun(): Promise<string> {
  const { key } = await keygen();
  const result = await runCli(['run', '--key', key], { cwd: project.dir });
  expect(result.code, result.stderr).toBe(0);
  const bundle = project.bundles('faq')[0];
  expect(bundle).toBeDefined();
  return bundle as string;
}

beforeEach(() => {
  project = createProject({
    'pipeline.yaml': PIPELINE,
    'prompt.md': 'Answer briefly.\n',
    'app.js': "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(input.vars.answer);\n",
    'package.json': '{"type":"commonjs"}',
    'cases.jsonl': '{"id":"1","answer":"yes"}\n{"id":"2","answer":"no"}\n',
  });
  initGit(project.dir);
});
afterEach(() => project.remove());

describe('keygen', () => {
  it('writes a private key with mode 0600', async () => {
    const { key } = await keygen();

    const mode = (await import('node:fs')).statSync(key).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(readFileSync(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(`${key}.pub`, 'utf8')).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\S+ ci@example.com\n$/);
    expect(readFileSync(project.path('.proofgate/allowed_signers'), 'utf8')).toMatch(/^ci@example.com namespaces="proofgate-eval@v1" ssh-ed25519 /);
  });

  it('refuses to overwrite an existing key', async () => {
    await keygen();
    const again = await runCli(['keygen', '--out', 'keys/ci.pem'], { cwd: project.dir });

    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists/);
  });
});

describe('verify', () => {
  it('accepts a signed passing bundle', async () => {
    const bundle = await signedRun();

    const result = await runCli(['verify', bundle], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('ci@example.com');
  });

  it('openssl verifies the signature over the PAE', async () => {
    const bundle = await signedRun();
    const file = JSON.parse(readFileSync(bundle, 'utf8'));
    const payload = Buffer.from(canonicalize(file.statement) as string, 'utf8');
    const type = 'application/vnd.in-toto+json';
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
    const publicKey = Buffer.from(readFileSync(project.path('keys/ci.pem.pub'), 'utf8').split(' ')[1] as string, 'base64').subarray(-32);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
    writeFileSync(project.path('pae.bin'), pae);
    writeFileSync(project.path('sig.bin'), Buffer.from(file.signatures[0].sig, 'base64'));
    writeFileSync(project.path('pub.pem'), `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`);

    const output = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'pae.bin', '-sigfile', 'sig.bin'], { cwd: project.dir, encoding: 'utf8' });
    expect(output).toContain('Signature Verified Successfully');

    writeFileSync(project.path('pae.bin'), Buffer.concat([pae, Buffer.from(' ')]));
    expect(() => execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'pae.bin', '-sigfile', 'sig.bin'], { cwd: project.dir, stdio: 'pipe' })).toThrow();
  });

  it('signs with a key made by openssl', async () => {
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', 'openssl.pem'], { cwd: project.dir });
    const result = await runCli(['run', '--key', 'openssl.pem', '--json'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).keyid).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('reads the key from PROOFGATE_SIGNING_KEY', async () => {
    const { key } = await keygen();
    const pem = readFileSync(key, 'utf8');

    const result = await runCli(['run', '--json'], { cwd: project.dir, env: { PROOFGATE_SIGNING_KEY: pem } });

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).signed).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(pem.split('\n')[1]);
  });

  it('rejects an edited metric in the bundle', async () => {
    const bundle = await signedRun();
    const file = JSON.parse(readFileSync(bundle, 'utf8'));
    file.statement.predicate.metrics.accuracy.value = 0.99;
    writeFileSync(bundle, JSON.stringify(file, null, 2));

    const result = await runCli(['verify', bundle], { cwd: project.dir });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/signature/i);
  });

  it('rejects an edited case line', async () => {
    const bundle = await signedRun();
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('"id":"2"', '"id":"3"'));

    const result = await runCli(['verify', bundle], { cwd: project.dir });

    expect(result.code).toBe(1);
  });

  it('rejects a changed material', async () => {
    const bundle = await signedRun();
    project.write('app.js', "process.stdout.write('changed');\n");

    const result = await runCli(['verify', bundle], { cwd: project.dir });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/material app\.js changed/);
    expect(result.stderr).toMatch(/version differs/);
  });

  it('rejects a changed prompt file', async () => {
    const bundle = await signedRun();
    project.write('prompt.md', 'Answer at length.\n');

    const result = await runCli(['verify', bundle], { cwd: project.dir });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/material prompt\.md changed/);
  });

  it('rejects a changed dataset', async () => {
    const bundle = await signedRun();
    project.write('cases.jsonl', '{"id":"1","answer":"yes"}\n');

    const result = await runCli(['verify', bundle], { cwd: project.dir });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/dataset cases\.jsonl changed/);
  });

  it('rejects a key missing from the trust file', async () => {
    const bundle = await signedRun();
    writeFileSync(project.path('.proofgate/allowed_signers'), '# nobody\n');

    const result = await runCli(['verify', bundle], { cwd: project.dir });

    expect(result.code).toBe(1);
  });

  it('rejects an unsigned bundle', async () => {
    const run = await runCli(['run'], { cwd: project.dir });
    expect(run.code).toBe(0);
    await keygen();

    const result = await runCli(['verify', project.bundles('faq')[0] as string], { cwd: project.dir });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unsigned/);
  });

  it('pipeline mode finds the bundle for the working tree', async () => {
    await signedRun();

    const ok = await runCli(['verify', '--pipeline', 'pipeline.yaml'], { cwd: project.dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/is proven by proofs\/faq\//);

    project.write('pipeline.yaml', PIPELINE.replace('accuracy >= 1', 'accuracy >= 0.9'));
    const changed = await runCli(['verify', '--pipeline', 'pipeline.yaml'], { cwd: project.dir });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/no bundle .* tested version/);
  });

  it('verifies the gsm8k example end to end', async () => {
    const gsm = createProject();
    try {
      cpSync(path.join(REPO_ROOT, 'examples', 'gsm8k-pot'), gsm.dir, { recursive: true });
      initGit(gsm.dir);
      const made = await runCli(['keygen', '--out', '.proofgate/ci.pem', '--trust', '.proofgate/allowed_signers'], { cwd: gsm.dir });
      expect(made.code, made.stderr).toBe(0);
      const run = await runCli(['run', '--key', '.proofgate/ci.pem', '--require-signature'], { cwd: gsm.dir });
      expect(run.code, run.stderr).toBe(0);

      const result = await runCli(['verify', '--pipeline', 'pipeline.yaml'], { cwd: gsm.dir });
      expect(result.code, result.stderr).toBe(0);
    } finally {
      gsm.remove();
    }
  });
});
