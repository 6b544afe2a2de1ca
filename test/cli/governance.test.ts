import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createProject, initGit, type TempProject } from '../helpers/project.js';

// The whole governance story in one real git repository: evaluate, approve
// with an SSH key, deploy, block a regression with a relative gate, roll back
// and deploy again. A second test shows that a branch which trusts its own key
// cannot approve itself.

let project: TempProject;

const git = (...args: string[]) => execFileSync('git', args, { cwd: project.dir, encoding: 'utf8', stdio: 'pipe' }).trim();

function pipeline(outputField: string, gates: string[]): string {
  return [
    'name: faq',
    'target:',
    `  replay: { output: ${outputField} }`,
    'dataset: { path: cases.jsonl, id: id }',
    'scorers:',
    '  - { name: exact, type: exact_match, expected: "{{answer}}" }',
    'metrics:',
    '  accuracy: mean(exact)',
    'gates:',
    ...gates.map((gate) => `  - "${gate}"`),
    '',
  ].join('\n');
}

const CASES = [
  { id: '1', answer: 'a', good: 'a', worse: 'a' },
  { id: '2', answer: 'b', good: 'b', worse: 'x' },
  { id: '3', answer: 'c', good: 'c', worse: 'c' },
  { id: '4', answer: 'd', good: 'd', worse: 'x' },
]
  .map((entry) => JSON.stringify(entry))
  .join('\n');

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(args, { cwd: project.dir, env: { HOME: project.dir, ...env } });
}

function sshKey(name: string, email: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', email, '-f', project.path(name)]);
  return readFileSync(project.path(`${name}.pub`), 'utf8').trim();
}

function commitAll(message: string): void {
  git('add', '-A');
  git('commit', '-q', '-m', message);
}

beforeEach(async () => {
  project = createProject({
    'pipeline.yaml': pipeline('good', ['accuracy >= 0.9']),
    'cases.jsonl': `${CASES}\n`,
    '.gitignore': 'keys/\n',
  });
  initGit(project.dir);

  const made = await cli(['keygen', '--out', 'keys/ci.pem', '--principal', 'ci@example.com', '--trust', '.proofgate/allowed_signers']);
  expect(made.code, made.stderr).toBe(0);
  const reviewer = sshKey('keys/reviewer', 'reviewer@example.com');
  project.write('.proofgate/allowed_signers', `${readFileSync(project.path('.proofgate/allowed_signers'), 'utf8')}reviewer@example.com namespaces="proofgate-approval@v1" ${reviewer}\n`);
  git('config', 'user.email', 'reviewer@example.com');
  git('config', 'user.signingkey', project.path('keys/reviewer'));
  commitAll('trust the CI key and the reviewer');
});
afterEach(() => project.remove());

describe('governance end to end', () => {
  it('approves, blocks a regression and rolls back', async () => {
    const first = await cli(['run', '--key', 'keys/ci.pem', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const approvedBundle = JSON.parse(first.stdout).bundle as string;

    const approved = await cli(['approve', approvedBundle, '--comment', 'prompt reviewed']);
    expect(approved.code, approved.stderr).toBe(0);
    commitAll('evaluate and approve v1');

    const deploy = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval', '--trust-ref', 'main']);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stderr).toContain('reviewer@example.com');

    // A worse prompt, now held to the approved version's accuracy.
    project.write('pipeline.yaml', pipeline('worse', ['accuracy >= 0.4', 'accuracy >= baseline - 0.02']));
    commitAll('switch to the worse prompt');
    const regressed = await cli(['run', '--key', 'keys/ci.pem', '--json']);
    expect(regressed.code, regressed.stderr).toBe(1);
    const summary = JSON.parse(regressed.stdout);
    const relative = summary.gates.find((gate: { source: string }) => gate.source.includes('baseline'));
    expect(relative).toMatchObject({ passed: false, baseline: 1 });
    expect(summary.baseline.bundle.path).toBe(approvedBundle);
    expect(summary.baseline.cases.flippedToFail).toEqual(['2', '4']);
    commitAll('record the failed evaluation');

    const blocked = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/verdict is fail/);

    const rollback = await cli(['rollback', 'faq', '--to', 'previous', '--key', 'keys/ci.pem', '--commit']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stderr).toMatch(/rolled back faq from [0-9a-f]{12} to [0-9a-f]{12}/);
    expect(readFileSync(project.path('pipeline.yaml'), 'utf8')).toBe(pipeline('good', ['accuracy >= 0.9']));
    expect(git('log', '-1', '--format=%s')).toMatch(/faq/);

    const restored = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval', '--trust-ref', 'main']);
    expect(restored.code, restored.stderr).toBe(0);
  });

  it('rejects a branch that trusts its own key', async () => {
    git('checkout', '-q', '-b', 'change');
    project.write('pipeline.yaml', pipeline('good', ['accuracy >= 0.75']));
    const mallory = sshKey('keys/mallory', 'mallory@example.com');
    project.write('.proofgate/allowed_signers', `${readFileSync(project.path('.proofgate/allowed_signers'), 'utf8')}mallory@example.com namespaces="proofgate-approval@v1" ${mallory}\n`);
    const run = await cli(['run', '--key', 'keys/ci.pem', '--json']);
    expect(run.code, run.stderr).toBe(0);
    git('config', 'user.email', 'mallory@example.com');
    git('config', 'user.signingkey', project.path('keys/mallory'));
    const approved = await cli(['approve', JSON.parse(run.stdout).bundle]);
    expect(approved.code, approved.stderr).toBe(0);
    commitAll('change the threshold and approve it myself');

    const ownTrust = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval']);
    const baseTrust = await cli(['verify', '--pipeline', 'pipeline.yaml', '--require-approval', '--trust-ref', 'main']);

    expect(ownTrust.code).toBe(0);
    expect(baseTrust.code).toBe(1);
    expect(baseTrust.stderr).toMatch(/mallory@example\.com/);
  });
});
