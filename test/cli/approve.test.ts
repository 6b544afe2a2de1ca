import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import canonicalize from 'canonicalize';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parsePrivateKeyPem } from '../../src/bundle/keys.js';
import { BUNDLE_FILE_PATTERN } from '../../src/bundle/store.js';
import { trustLine, writeApproval } from '../approval/fixtures.js';
import { makeSshKey } from '../bundle/openssh-key.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { createProject, initGit, type TempProject } from '../helpers/project.js';

const PIPELINE = (approval: string, threshold = '1') => `name: faq
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
  - accuracy >= ${threshold}
approval: ${approval}
`;

const APP = "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(input.vars.answer);\n";

let project: TempProject;
let home: string;
let alice: ReturnType<typeof makeSshKey>;

// Keeps the developer's own git configuration (a global user.signingkey, say) out of the tests.
const ENV = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: project.dir, env: ENV });
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: project.dir, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...ENV } }).trim();
}

function bundles(): string[] {
  const folder = project.path('proofs/faq');
  return readdirSync(folder).filter((name) => BUNDLE_FILE_PATTERN.test(name)).sort().map((name) => path.join(folder, name));
}

function approvals(): string[] {
  return readdirSync(project.path('proofs/faq')).filter((name) => name.includes('.approval.'));
}

async function evaluate(): Promise<string> {
  const result = await cli(['run', '--key', 'keys/ci.pem', '--no-progress', '--no-cache']);
  expect(result.code, result.stderr).toBe(0);
  return bundles().at(-1) as string;
}

function trust(line: string): void {
  appendFileSync(project.path('.proofgate/allowed_signers'), `${line}\n`);
}

// Makes a repository on main whose trust file has the CI key for evaluations
// and alice's SSH key for approvals. Alice's git config names her signing key.
async function setUp(approval = '{ required: 1 }', ciNamespaces: 'eval' | 'both' = 'eval'): Promise<void> {
  project = createProject({
    'pipeline.yaml': PIPELINE(approval),
    'prompt.md': 'Answer briefly.\n',
    'app.js': APP,
    'package.json': '{"type":"commonjs"}',
    'cases.jsonl': '{"id":"1","answer":"yes"}\n{"id":"2","answer":"no"}\n',
    '.gitignore': 'keys/\n.proofgate/cache/\n',
  });
  const made = await runCli(['keygen', '--out', 'keys/ci.pem', '--principal', 'ci@example.com'], { cwd: project.dir });
  expect(made.code, made.stderr).toBe(0);
  const ci = parsePrivateKeyPem(readFileSync(project.path('keys/ci.pem'), 'utf8'), 'ci.pem');
  project.write('.proofgate/allowed_signers', '');
  trust(trustLine('ci@example.com', ci, ciNamespaces));
  trust(`alice@example.com namespaces="proofgate-approval@v1" ${alice.publicLine}`);
  initGit(project.dir);
  git('config', 'user.email', 'alice@example.com');
  git('config', 'user.signingkey', alice.publicPath);
}

function ciKey() {
  return parsePrivateKeyPem(readFileSync(project.path('keys/ci.pem'), 'utf8'), 'ci.pem');
}

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'proofgate-reviewer-'));
  alice = makeSshKey(home, 'id_alice', 'alice@example.com');
});

afterEach(() => {
  project?.remove();
  rmSync(home, { recursive: true, force: true });
});

describe('approve', { timeout: 120_000 }, () => {
  it('approval passes the deploy gate', async () => {
    await setUp();
    const bundle = await evaluate();

    const before = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('0 of 1 required approval');

    const approved = await cli(['approve', path.relative(project.dir, bundle), '--comment', 'prompt reads well', '--json']);
    expect(approved.code, approved.stderr).toBe(0);
    const result = JSON.parse(approved.stdout);
    expect(result).toMatchObject({ principal: 'alice@example.com', method: 'signature', signature: 'sshsig', alreadyRecorded: false, warnings: [] });
    expect(approvals()).toEqual([path.basename(result.file)]);

    const after = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain(`is proven by proofs/faq/${path.basename(bundle)}`);
    expect(after.stderr).toMatch(/approved by alice@example\.com \(signature, SHA256:\S+\): 1 of 1 required/);
  });

  it('ssh-keygen verifies the approval', async () => {
    await setUp();
    const bundle = await evaluate();
    const approved = await cli(['approve', bundle, '--json']);
    expect(approved.code, approved.stderr).toBe(0);

    const file = JSON.parse(readFileSync(JSON.parse(approved.stdout).file, 'utf8'));
    const evaluation = JSON.parse(readFileSync(bundle, 'utf8'));
    writeFileSync(path.join(home, 'approval.sig'), file.sshsig);
    const verify = spawnSync(
      'ssh-keygen',
      ['-Y', 'verify', '-f', project.path('.proofgate/allowed_signers'), '-I', 'alice@example.com', '-n', 'proofgate-approval@v1', '-s', path.join(home, 'approval.sig')],
      { input: canonicalize(file.statement) as string },
    );

    expect(verify.status, verify.stderr.toString()).toBe(0);
    expect(file.statement.subject[0].digest.sha256).toBe(
      (await import('node:crypto')).createHash('sha256').update(canonicalize(evaluation.statement) as string).digest('hex'),
    );
    expect(file.statement.predicate).toMatchObject({ approver: { principal: 'alice@example.com', method: 'signature' }, verdict: 'pass' });
  });

  it('leaves the bundle unchanged', async () => {
    await setUp();
    const bundle = await evaluate();
    const before = readFileSync(bundle);

    expect((await cli(['approve', bundle])).code).toBe(0);

    expect(readFileSync(bundle).equals(before)).toBe(true);
  });

  it('rejects a second approval', async () => {
    await setUp();
    const bundle = await evaluate();
    expect((await cli(['approve', bundle])).code).toBe(0);

    const again = await cli(['approve', bundle]);

    expect(again.code).toBe(2);
    expect(again.stderr).toContain('alice@example.com already approved');
    expect(approvals()).toHaveLength(1);
  });

  it('refuses a failing bundle', async () => {
    await setUp();
    project.write('app.js', "process.stdout.write('wrong');\n");
    const run = await cli(['run', '--key', 'keys/ci.pem', '--no-progress', '--no-cache']);
    expect(run.code).toBe(1);

    const result = await cli(['approve', bundles()[0] as string]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has verdict fail (failed gates: accuracy >= 1)');
    expect(approvals()).toEqual([]);
  });

  it('refuses an unsigned bundle', async () => {
    await setUp();
    expect((await cli(['run', '--no-progress', '--no-cache'])).code).toBe(0);

    const result = await cli(['approve', bundles()[0] as string]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is unsigned');
  });

  it('says how to set a key', async () => {
    await setUp();
    const bundle = await evaluate();
    git('config', '--unset', 'user.signingkey');

    const result = await cli(['approve', bundle]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('neither --ssh-key nor git config user.signingkey is set');
    expect(result.stderr).toContain('git config --global user.signingkey');
  });

  it('signs with a key:: literal', async () => {
    await setUp();
    const bundle = await evaluate();
    git('config', 'user.signingkey', `key::${alice.publicLine}`);
    const agent = spawnSync('ssh-agent', ['-s'], { encoding: 'utf8' });
    const socket = /SSH_AUTH_SOCK=([^;]+);/.exec(agent.stdout)?.[1];
    const pid = /SSH_AGENT_PID=(\d+);/.exec(agent.stdout)?.[1];
    expect(socket, agent.stderr).toBeDefined();

    try {
      const added = spawnSync('ssh-add', [alice.privatePath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
      expect(added.status, added.stderr).toBe(0);

      const result = await runCli(['approve', bundle, '--json'], { cwd: project.dir, env: { ...ENV, SSH_AUTH_SOCK: socket } });

      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).principal).toBe('alice@example.com');
    } finally {
      if (pid !== undefined) process.kill(Number(pid));
    }
  });

  it('warns about an untrusted key', async () => {
    await setUp();
    const bundle = await evaluate();
    const bob = makeSshKey(home, 'id_bob', 'bob@example.com');

    const result = await cli(['approve', bundle, '--ssh-key', bob.privatePath, '--principal', 'bob@example.com']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('warning: key SHA256:');
    expect(result.stderr).toContain(`bob@example.com namespaces="proofgate-approval@v1" ${bob.publicLine.split(' ').slice(0, 2).join(' ')}`);
  });
});

describe('self-approval', { timeout: 120_000 }, () => {
  it('CI key cannot approve its evaluation', async () => {
    await setUp('{ required: 1 }', 'both');
    const bundle = await evaluate();

    const refused = await cli(['approve', bundle, '--key', 'keys/ci.pem', '--principal', 'ci@example.com']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('signed this evaluation');

    const evaluation = JSON.parse(readFileSync(bundle, 'utf8'));
    const digest = (await import('node:crypto')).createHash('sha256').update(canonicalize(evaluation.statement) as string).digest('hex');
    writeApproval({ file: bundle, digest, version: evaluation.statement.predicate.pipeline.version }, { principal: 'ci@example.com', key: ciKey(), signature: 'dsse' });

    const verify = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('also signed the evaluation, and the key that signed an evaluation cannot approve it');
  });

  it('branch cannot trust its own key', async () => {
    await setUp();
    await evaluate();
    git('add', '-A');
    git('commit', '-q', '-m', 'evaluate main');

    git('checkout', '-q', '-b', 'feature');
    const mallory = makeSshKey(home, 'id_mallory', 'mallory@example.com');
    trust(`mallory@example.com namespaces="proofgate-approval@v1" ${mallory.publicLine}`);
    project.write('prompt.md', 'Answer at length.\n');
    const bundle = await evaluate();
    const approved = await cli(['approve', bundle, '--ssh-key', mallory.privatePath, '--principal', 'mallory@example.com']);
    expect(approved.code, approved.stderr).toBe(0);
    git('add', '-A');
    git('commit', '-q', '-m', 'change the prompt and approve it');

    const local = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    expect(local.code, local.stderr).toBe(0);

    const based = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval', '--trust-ref', 'main']);
    expect(based.code).toBe(1);
    expect(based.stderr).toMatch(/key SHA256:\S+ of mallory@example\.com is not in the trust file/);
    expect(based.stderr).toContain('0 of 1 required approval');
    expect(based.stderr).toContain('trusted keys from main:.proofgate/allowed_signers');

    expect((await cli(['approve', bundle])).code).toBe(0);
    const reviewed = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval', '--trust-ref', 'main']);
    expect(reviewed.code, reviewed.stderr).toBe(0);
    expect(reviewed.stderr).toContain('approved by alice@example.com');
  });

  it('branch cannot lower the policy', async () => {
    await setUp('{ required: 1 }');
    git('checkout', '-q', '-b', 'feature');
    project.write('pipeline.yaml', PIPELINE('{ required: 0 }'));
    await evaluate();

    expect((await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval'])).code).toBe(0);

    const based = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval', '--trust-ref', 'main']);
    expect(based.code).toBe(1);
    expect(based.stderr).toContain('approval policy from main:pipeline.yaml');
  });

  it('squash merge still verifies', async () => {
    await setUp();
    git('checkout', '-q', '-b', 'feature');
    project.write('prompt.md', 'Answer in one sentence.\n');
    git('commit', '-q', '-am', 'new prompt');
    const bundle = await evaluate();
    git('add', '-A');
    git('commit', '-q', '-m', 'evaluate');
    expect((await cli(['approve', bundle])).code).toBe(0);
    git('add', '-A');
    git('commit', '-q', '-m', 'approve');

    git('checkout', '-q', 'main');
    git('merge', '--squash', 'feature');
    git('commit', '-q', '-m', 'new prompt (#7)');
    git('branch', '-q', '-D', 'feature');

    expect(git('rev-list', '--count', 'HEAD')).toBe('2');
    const result = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval', '--trust-ref', 'main']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('approved by alice@example.com');
  });
});

describe('when_changed', { timeout: 120_000 }, () => {
  it('threshold tweak needs no reviewer', async () => {
    await setUp('{ required: 1, when_changed: [config.prompt] }');
    expect((await cli(['approve', await evaluate()])).code).toBe(0);

    project.write('pipeline.yaml', PIPELINE('{ required: 1, when_changed: [config.prompt] }', '0.5'));
    await evaluate();
    const tweak = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    expect(tweak.code, tweak.stderr).toBe(0);
    expect(tweak.stderr).toMatch(/approval not required: no path in when_changed differs from baseline \d{8}T\d{6}(?:\.\d{3})?Z-/);

    project.write('prompt.md', 'Answer rudely.\n');
    await evaluate();
    const prompt = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    expect(prompt.code).toBe(1);
    expect(prompt.stderr).toContain('config.prompt: prompt.md changed');
  });
});

describe('platform approvals', { timeout: 120_000 }, () => {
  function event(commit: string, head = commit, state = 'approved'): string {
    const file = path.join(home, 'event.json');
    writeFileSync(file, JSON.stringify({
      action: 'submitted',
      review: { id: 2000000001, user: { login: 'alice', id: 1001 }, commit_id: commit, state, html_url: 'https://github.com/acme/llm-app/pull/7#pullrequestreview-2000000001', submitted_at: new Date().toISOString() },
      pull_request: { number: 7, head: { sha: head } },
      repository: { full_name: 'acme/llm-app' },
    }));
    return file;
  }

  it('records a GitHub review', async () => {
    await setUp('{ required: 1, accept: [signature, platform] }', 'both');
    const bundle = await evaluate();
    const head = git('rev-parse', 'HEAD');

    const recorded = await cli(['approve', bundle, '--from-github-event', event(head), '--key', 'keys/ci.pem', '--json']);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(JSON.parse(recorded.stdout)).toMatchObject({ principal: 'github:alice', method: 'platform', signature: 'dsse', alreadyRecorded: false });
    const file = JSON.parse(readFileSync(JSON.parse(recorded.stdout).file, 'utf8'));
    expect(file.statement.predicate.platform).toMatchObject({ provider: 'github', reviewId: 2000000001, login: 'alice', userId: 1001, commit: head, pullRequest: 7 });

    const rerun = await cli(['approve', bundle, '--from-github-event', event(head), '--key', 'keys/ci.pem', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout).alreadyRecorded).toBe(true);

    const verify = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toContain('approved by github:alice (platform,');
  });

  it('rejects a stale review', async () => {
    await setUp('{ required: 1, accept: [platform] }', 'both');
    const bundle = await evaluate();
    const head = git('rev-parse', 'HEAD');

    const result = await cli(['approve', bundle, '--from-github-event', event(head, '3'.repeat(40)), '--key', 'keys/ci.pem']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stale review of an earlier push');
    expect(approvals()).toEqual([]);
  });

  it('rejects a changes request', async () => {
    await setUp('{ required: 1, accept: [platform] }', 'both');
    const bundle = await evaluate();
    const head = git('rev-parse', 'HEAD');

    const result = await cli(['approve', bundle, '--from-github-event', event(head, head, 'CHANGES_REQUESTED'), '--key', 'keys/ci.pem']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the review state is "CHANGES_REQUESTED", not "approved"');
  });

  it('needs the CI key', async () => {
    await setUp('{ required: 1, accept: [platform] }', 'both');
    const bundle = await evaluate();

    const result = await cli(['approve', bundle, '--from-github-event', event(git('rev-parse', 'HEAD'))]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('signed by the CI key: pass --key FILE or set PROOFGATE_SIGNING_KEY');
  });

  it('rejects an unreadable event', async () => {
    await setUp();
    const bundle = await evaluate();
    writeFileSync(path.join(home, 'broken.json'), '{');

    const result = await cli(['approve', bundle, '--from-github-event', path.join(home, 'broken.json'), '--key', 'keys/ci.pem']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not valid JSON');
  });
});

describe('verify flags', { timeout: 120_000 }, () => {
  it('require-approval needs --pipeline', async () => {
    await setUp();

    const result = await cli(['verify', 'x.json', '--require-approval']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--require-approval works with --pipeline FILE');
  });

  it('reports a missing trust ref', async () => {
    await setUp();
    await evaluate();

    const result = await cli(['verify', '--pipeline', 'pipeline.yaml', '--trust-ref', 'origin/main']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('The git ref "origin/main" was not found');
  });
});
