import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEvaluatedBundle } from '../../src/approval/evaluated.js';
import { buildApprovalStatement, APPROVAL_FORMAT } from '../../src/approval/statement.js';
import { approvalFileName, writeApprovalFile, type ApprovalFile } from '../../src/approval/store.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../../src/bundle/dsse.js';
import { canonicalBytes } from '../../src/bundle/jcs.js';
import { generateSigningKey, privateKeyToPem, type SigningKey } from '../../src/bundle/keys.js';
import { signPayload } from '../../src/bundle/sign.js';
import { APPROVAL_NAMESPACE, EVAL_NAMESPACE, formatAllowedSignersLine, loadTrust } from '../../src/bundle/trust.js';
import { verifyRollbackRecord } from '../../src/rollback/record.js';
import { runCli } from '../helpers/cli.js';
import { createProject, type TempProject } from '../helpers/project.js';
import { gitIn } from '../rollback/repo.js';

const PIPELINE = (extra = '') => `name: faq
target:
  replay: { output: answer }
config:
  prompt: file:prompts/answer.md
materials: [prompts/*.md]
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{expected}}" }
metrics:
  accuracy: mean(exact)
gates:
  - accuracy >= 1
${extra}`;

const PASSING_CASES = '{"id":"1","answer":"yes","expected":"yes"}\n';

let project: TempProject;
let reviewer: SigningKey;

beforeEach(() => {
  const ci = generateSigningKey();
  reviewer = generateSigningKey();
  project = createProject({
    'pipeline.yaml': PIPELINE(),
    'prompts/answer.md': 'version 1\n',
    'cases.jsonl': PASSING_CASES,
    'keys/ci.pem': privateKeyToPem(ci),
    '.gitignore': 'keys/\n',
    '.proofgate/allowed_signers': [
      formatAllowedSignersLine('ci@example.com', ci.publicKey, [EVAL_NAMESPACE]),
      formatAllowedSignersLine('alice@example.com', reviewer.publicKey, [APPROVAL_NAMESPACE]),
      '',
    ].join('\n'),
  }, { git: true });
});
afterEach(() => project.remove());

const git = (...args: string[]) => gitIn(project.dir, ...args);

/** Commits the working tree, runs the pipeline with the CI key and commits the bundle. */
async function release(files: Record<string, string>, message: string): Promise<{ bundle: string; version: string }> {
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', message);

  const before = new Set(project.bundles('faq'));
  const run = await runCli(['run', '--key', 'keys/ci.pem', '--no-progress'], { cwd: project.dir });
  const bundle = project.bundles('faq').find((file) => !before.has(file));
  expect(bundle, run.stderr).toBeDefined();

  git('add', '-A');
  git('commit', '-q', '-m', `bundle for ${message}`);
  return { bundle: bundle as string, version: readBundle(bundle as string).statement.subject[0].digest.sha256 };
}

/** Signs an approval of `bundle` as alice with the reviewer key, the way `proofgate approve` lays it out. */
async function approve(bundle: string): Promise<void> {
  const evaluation = await readEvaluatedBundle(bundle);
  const statement = buildApprovalStatement({
    bundle: path.relative(project.dir, bundle),
    pipeline: 'faq',
    version: evaluation.predicate.pipeline.version,
    verdict: 'pass',
    approver: { principal: 'alice@example.com', method: 'signature' },
    approvedAt: new Date().toISOString(),
    tool: { name: 'proofgate', version: 'test' },
  }, evaluation.digest);
  const signature = signPayload(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(statement), reviewer);
  const approval: ApprovalFile = { approval: APPROVAL_FORMAT, payloadType: IN_TOTO_PAYLOAD_TYPE, statement: statement as unknown as ApprovalFile['statement'], signatures: [signature] };
  const file = path.join(path.dirname(bundle), approvalFileName(bundle, 'alice@example.com'));

  await writeApprovalFile(file, approval);
  git('add', '-A');
  git('commit', '-q', '-m', 'approve');
}

function readBundle(file: string) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function rollback(...args: string[]) {
  return runCli(['rollback', 'faq', ...args], { cwd: project.dir });
}

function records(): string[] {
  try {
    return readdirSync(project.path('proofs/faq/rollbacks')).filter((name) => name.endsWith('.json')).map((name) => project.path(`proofs/faq/rollbacks/${name}`));
  } catch {
    return [];
  }
}

const prompt = () => readFileSync(project.path('prompts/answer.md'), 'utf8');

describe('proofgate rollback', () => {
  it('restores a version by prefix', async () => {
    const v1 = await release({}, 'v1');
    await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');

    const result = await rollback('--to', v1.version.slice(0, 10), '--key', 'keys/ci.pem', '--json');

    expect(result.code, result.stderr).toBe(0);
    expect(prompt()).toBe('version 1\n');
    const outcome = JSON.parse(result.stdout);
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.to).toBe(v1.version);
    expect(outcome.written).toEqual(['prompts/answer.md']);
    expect(outcome.signers).toEqual(['ci@example.com']);
    expect(result.stderr).toMatch(/rolled back faq from [0-9a-f]{12} to [0-9a-f]{12}/);

    const verify = await runCli(['verify', '--pipeline', 'pipeline.yaml'], { cwd: project.dir });
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('previous skips an unapproved version', async () => {
    const v1 = await release({ 'pipeline.yaml': PIPELINE('approval: { required: 1 }\n') }, 'v1');
    await approve(v1.bundle);
    await release({ 'prompts/answer.md': 'version 2, never approved\n' }, 'v2');
    const v3 = await release({ 'prompts/answer.md': 'version 3\n' }, 'v3');
    await approve(v3.bundle);

    const result = await rollback('--to', 'previous', '--key', 'keys/ci.pem', '--json');

    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.from).toBe(v3.version);
    expect(outcome.to).toBe(v1.version);
    expect(outcome.approvers).toEqual(['alice@example.com']);
    expect(prompt()).toBe('version 1\n');
  });

  it('verify --require-approval passes right after', async () => {
    const v1 = await release({ 'pipeline.yaml': PIPELINE('approval: { required: 1 }\n') }, 'v1');
    await approve(v1.bundle);
    await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');
    const bundlesBefore = project.bundles('faq').length;

    const result = await rollback('--to', v1.version.slice(0, 7), '--key', 'keys/ci.pem', '--commit');
    expect(result.code, result.stderr).toBe(0);

    const verify = await runCli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval'], { cwd: project.dir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toContain(path.basename(v1.bundle));
    expect(project.bundles('faq')).toHaveLength(bundlesBefore);
  });

  it('rejects a target without approval', async () => {
    const v1 = await release({ 'pipeline.yaml': PIPELINE('approval: { required: 1 }\n') }, 'v1');
    await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');

    const result = await rollback('--to', v1.version.slice(0, 12));

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/0 of 1 required approval/);
    expect(prompt()).toBe('version 2\n');
    expect(records()).toEqual([]);
  });

  it('rollback after a blocked regression', async () => {
    const replay = (extraGate: string) => PIPELINE('approval: { required: 1 }\n')
      .replace('replay: { output: answer }', 'replay: { path: recordings.jsonl, output: output }')
      .replace('  - accuracy >= 1\n', `  - accuracy >= 0.5\n${extraGate}`);
    const recordings = (second: string) => `{"id":"1","output":"yes"}\n{"id":"2","output":"${second}"}\n`;
    const cases = `${PASSING_CASES}{"id":"2","answer":"","expected":"no"}\n`;
    const v1 = await release({ 'pipeline.yaml': replay(''), 'recordings.jsonl': recordings('no'), 'cases.jsonl': cases }, 'v1');
    await approve(v1.bundle);
    const v2 = await release({ 'pipeline.yaml': replay('  - accuracy >= baseline - 0.01\n'), 'prompts/answer.md': 'version 2\n' }, 'v2');
    expect(readBundle(v2.bundle).statement.predicate.verdict).toBe('pass');
    await approve(v2.bundle);

    const regression = await release({ 'prompts/answer.md': 'version 3\n', 'recordings.jsonl': recordings('maybe') }, 'v3');
    const gate = readBundle(regression.bundle).statement.predicate.gates.find((entry: { source: string }) => entry.source.includes('baseline'));
    expect(gate.passed).toBe(false);
    const blocked = await runCli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval'], { cwd: project.dir });
    expect(blocked.code).toBe(1);

    const result = await rollback('--to', 'previous', '--key', 'keys/ci.pem', '--commit', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).to).toBe(v2.version);
    expect(readFileSync(project.path('recordings.jsonl'), 'utf8')).toBe(recordings('no'));

    const deploy = await runCli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval'], { cwd: project.dir });
    expect(deploy.code, deploy.stderr).toBe(0);
  });

  it('restores from a bundle path', async () => {
    const v1 = await release({}, 'v1');
    await release({ 'prompts/answer.md': 'version 2\n', 'prompts/extra.md': 'new in v2\n' }, 'v2');

    const result = await rollback('--to', path.relative(project.dir, v1.bundle), '--json');

    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.removed).toEqual(['prompts/extra.md']);
    expect(prompt()).toBe('version 1\n');
    expect(result.stderr).toMatch(/record is unsigned/);
    const verify = await runCli(['verify', '--pipeline', 'pipeline.yaml'], { cwd: project.dir });
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('works after a squash merge and gc', async () => {
    await release({}, 'v1');
    git('checkout', '-q', '-b', 'feature');
    const feature = await release({ 'prompts/answer.md': 'feature version\n' }, 'feature');
    const featureCommit = readBundle(feature.bundle).statement.predicate.git.commit;
    git('checkout', '-q', 'main');
    git('merge', '-q', '--squash', 'feature');
    git('commit', '-q', '-m', 'squash feature');
    git('branch', '-q', '-D', 'feature');
    git('reflog', 'expire', '--expire=now', '--all');
    git('gc', '-q', '--prune=now');
    await release({ 'prompts/answer.md': 'version 3\n' }, 'v3');
    expect(() => git('cat-file', '-e', featureCommit)).toThrow();

    const result = await rollback('--to', feature.version.slice(0, 12), '--key', 'keys/ci.pem', '--json');

    expect(result.code, result.stderr).toBe(0);
    expect(prompt()).toBe('feature version\n');
    expect(JSON.parse(result.stdout).restored.map((file: { source: string }) => file.source)).toEqual(['blob', 'blob']);
  });

  it('rejects a tampered target bundle', async () => {
    const v1 = await release({}, 'v1');
    await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');
    const bundle = readBundle(v1.bundle);
    bundle.statement.predicate.metrics.accuracy.value = 0.5;
    writeFileSync(v1.bundle, JSON.stringify(bundle, null, 2));
    git('commit', '-q', '-am', 'tamper');

    const result = await rollback('--to', v1.version.slice(0, 12));

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not match the statement/);
    expect(prompt()).toBe('version 2\n');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('rejects a failing target', async () => {
    await release({}, 'v1');
    const failing = await release({ 'prompts/answer.md': 'version 2\n', 'cases.jsonl': '{"id":"1","answer":"no","expected":"yes"}\n' }, 'v2');
    await release({ 'prompts/answer.md': 'version 3\n', 'cases.jsonl': PASSING_CASES }, 'v3');

    const result = await rollback('--to', failing.version.slice(0, 12));

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/verdict is fail/);
    expect(prompt()).toBe('version 3\n');
  });

  it('rejects a dirty tree unless forced', async () => {
    const v1 = await release({}, 'v1');
    await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');
    project.write('notes.txt', 'untracked files do not count\n');
    project.write('cases.jsonl', `${PASSING_CASES}{"id":"2","answer":"a","expected":"a"}\n`);

    const rejected = await rollback('--to', v1.version.slice(0, 12));
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/uncommitted changes to 1 tracked file,/);
    expect(rejected.stderr).toContain('cases.jsonl');
    expect(prompt()).toBe('version 2\n');

    const forced = await rollback('--to', v1.version.slice(0, 12), '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(prompt()).toBe('version 1\n');
    expect(forced.stderr).toMatch(/dataset cases\.jsonl changed since the target bundle/);
  });

  it('--commit makes one commit', async () => {
    const v1 = await release({}, 'v1');
    const v2 = await release({ 'prompts/answer.md': 'version 2\n', 'prompts/extra.md': 'new in v2\n' }, 'v2');
    const commitsBefore = Number(git('rev-list', '--count', 'HEAD'));

    const result = await rollback('--to', v1.version.slice(0, 12), '--key', 'keys/ci.pem', '--commit', '--json');

    expect(result.code, result.stderr).toBe(0);
    expect(Number(git('rev-list', '--count', 'HEAD'))).toBe(commitsBefore + 1);
    expect(git('log', '-1', '--format=%s')).toBe(`Roll back faq from ${v2.version.slice(0, 12)} to ${v1.version.slice(0, 12)}`);
    expect(git('log', '-1', '--format=%b')).toContain(path.relative(project.dir, v1.bundle));
    const changed = git('show', '--name-status', '--format=', 'HEAD').split('\n');
    expect(changed).toContain('M\tprompts/answer.md');
    expect(changed).toContain('D\tprompts/extra.md');
    expect(changed.some((line) => /^A\tproofs\/faq\/rollbacks\/\d{8}T\d{6}(?:\.\d{3})?Z-[0-9a-f]{12}\.json$/.test(line))).toBe(true);
    expect(git('status', '--porcelain')).toBe('');
    expect(JSON.parse(result.stdout).commit).toBe(git('rev-parse', 'HEAD'));
  });

  it('writes a rollback record that verifies', async () => {
    const v1 = await release({}, 'v1');
    const v2 = await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');

    const result = await rollback('--to', v1.version.slice(0, 12), '--key', 'keys/ci.pem');
    expect(result.code, result.stderr).toBe(0);

    const [record] = records();
    expect(record).toBeDefined();
    const verification = await verifyRollbackRecord(record as string, await loadTrust(project.path('.proofgate/allowed_signers')));
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
    const predicate = verification.predicate;
    expect(predicate?.from.version).toBe(v2.version);
    expect(predicate?.to.version).toBe(v1.version);
    expect(predicate?.target.path).toBe(path.relative(project.dir, v1.bundle));
    expect(predicate?.by).toBe('test@example.com');
    expect(predicate?.git.commitBefore).toBe(git('rev-parse', 'HEAD'));
    expect(predicate?.restored.map((file) => file.path)).toEqual(['pipeline.yaml', 'prompts/answer.md']);
  });

  it('does nothing at the current version', async () => {
    const v1 = await release({}, 'v1');

    const result = await rollback('--to', v1.version.slice(0, 12));

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/already at version/);
    expect(records()).toEqual([]);
  });

  it('previous recovers a broken pipeline file', async () => {
    await release({}, 'v1');
    const v2 = await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');
    project.write('pipeline.yaml', 'name: faq\ntarget: [this is not valid\n');
    git('commit', '-q', '-am', 'break the pipeline');

    const result = await rollback('--to', 'previous', '--json');

    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.from).toBeNull();
    expect(outcome.to).toBe(v2.version);
    expect(outcome.written).toEqual(['pipeline.yaml']);
    expect(result.stderr).toMatch(/from a version that does not load/);
  });

  it('previous needs an earlier version', async () => {
    await release({}, 'v1');

    const result = await rollback('--to', 'previous');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no previous version/);
  });

  it('rejects an unknown version', async () => {
    await release({}, 'v1');

    const result = await rollback('--to', 'deadbeef');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no bundle .* tested a version starting with deadbeef/);
  });

  it('undoes everything when the result does not load', async () => {
    const v1 = await release({}, 'v1');
    await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');
    git('rm', '-q', 'cases.jsonl');
    git('commit', '-q', '-m', 'drop the dataset');

    const result = await rollback('--to', v1.version.slice(0, 12), '--key', 'keys/ci.pem');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the restored pipeline\.yaml does not load, so every change was undone/);
    expect(prompt()).toBe('version 2\n');
    expect(git('status', '--porcelain')).toBe('');
    expect(records()).toEqual([]);
  });

  it('trust-ref reads keys from a ref', async () => {
    const v1 = await release({}, 'v1');
    await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');
    git('tag', 'trusted');
    project.write('.proofgate/allowed_signers', '# every key removed\n');
    git('commit', '-q', '-am', 'distrust every key');

    const untrusted = await rollback('--to', v1.version.slice(0, 12));
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/does not verify with any ed25519 key in the trust file/);

    const trusted = await rollback('--to', v1.version.slice(0, 12), '--trust-ref', 'trusted');
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(prompt()).toBe('version 1\n');
  });

  it('keeps an untracked stray file', async () => {
    const v1 = await release({}, 'v1');
    await release({ 'prompts/answer.md': 'version 2\n' }, 'v2');
    mkdirSync(project.path('prompts'), { recursive: true });
    project.write('prompts/scratch.md', 'my notes\n');

    const result = await rollback('--to', v1.version.slice(0, 12));

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/prompts\/scratch\.md: it is not tracked by git/);
    expect(prompt()).toBe('version 2\n');
    expect(readFileSync(project.path('prompts/scratch.md'), 'utf8')).toBe('my notes\n');
  });
});
