import { execFileSync } from 'node:child_process';

import { afterEach, describe, expect, it } from 'vitest';

import { readGovernance, readPolicyAtRef, readTrust } from '../../src/approval/trust-source.js';
import { generateSigningKey } from '../../src/bundle/keys.js';
import { loadPipeline } from '../../src/config/load.js';
import { ProofgateError } from '../../src/errors.js';
import { catchRejection } from '../bundle/fixtures.js';
import { createProject, type TempProject } from '../helpers/project.js';
import { trustLine } from './fixtures.js';

const alice = generateSigningKey();
const mallory = generateSigningKey();

const PIPELINE = (approval: string) => `name: faq
target: { exec: { command: [node, app.js] } }
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}" }
${approval}
`;

let project: TempProject | undefined;
afterEach(() => project?.remove());

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: project!.dir, encoding: 'utf8', stdio: 'pipe' });
}

// main trusts alice; the branch "feature" adds mallory and lowers the policy.
function repoWithBranch(): TempProject {
  project = createProject(
    {
      'pipeline.yaml': PIPELINE('approval: { required: 2 }'),
      'app.js': '',
      'cases.jsonl': '{"id":"1","answer":"a"}\n',
      '.proofgate/allowed_signers': `${trustLine('alice@example.com', alice, 'approval')}\n`,
    },
    { git: true },
  );
  git('checkout', '-q', '-b', 'feature');
  project.write('.proofgate/allowed_signers', `${trustLine('alice@example.com', alice, 'approval')}\n${trustLine('mallory@example.com', mallory, 'approval')}\n`);
  project.write('pipeline.yaml', PIPELINE('approval: { required: 0 }'));
  git('commit', '-q', '-am', 'trust myself');
  return project;
}

describe('readTrust', () => {
  it('reads the working tree', async () => {
    const dir = repoWithBranch().dir;

    const trust = await readTrust({ file: `${dir}/.proofgate/allowed_signers` });

    expect(trust.entries.map((entry) => entry.principals[0])).toEqual(['alice@example.com', 'mallory@example.com']);
  });

  it('reads the file at a ref', async () => {
    const dir = repoWithBranch().dir;

    const trust = await readTrust({ file: `${dir}/.proofgate/allowed_signers`, ref: 'main' });

    expect(trust.entries.map((entry) => entry.principals[0])).toEqual(['alice@example.com']);
    expect(trust.label).toBe('main:.proofgate/allowed_signers');
    expect(trust.entries[0]?.file).toBe('main:.proofgate/allowed_signers');
  });

  it('rejects a missing ref', async () => {
    const dir = repoWithBranch().dir;

    const error = await catchRejection(readTrust({ file: `${dir}/.proofgate/allowed_signers`, ref: 'origin/main' }));

    expect((error as ProofgateError).code).toBe('TRUST_INVALID');
    expect((error as Error).message).toContain('The git ref "origin/main" was not found');
  });

  it('rejects an option-like ref', async () => {
    const dir = repoWithBranch().dir;

    expect(((await catchRejection(readTrust({ file: `${dir}/.proofgate/allowed_signers`, ref: '--all' }))) as ProofgateError).code).toBe('TRUST_INVALID');
  });

  it('rejects a file missing at the ref', async () => {
    const dir = repoWithBranch().dir;

    const error = await catchRejection(readTrust({ file: `${dir}/keys/other`, ref: 'main' }));

    expect((error as Error).message).toContain('main has no file keys/other');
  });

  it('needs a git repository', async () => {
    project = createProject({ 'allowed_signers': '' });

    const error = await catchRejection(readTrust({ file: `${project.dir}/allowed_signers`, ref: 'main' }));

    expect((error as Error).message).toContain('needs a git repository');
  });
});

describe('readGovernance', () => {
  it('takes the policy from the ref', async () => {
    const dir = repoWithBranch().dir;
    const pipeline = await loadPipeline('pipeline.yaml', dir);

    const local = await readGovernance(pipeline, {});
    const base = await readGovernance(pipeline, { ref: 'main' });

    expect(local.policy.required).toBe(0);
    expect(base.policy.required).toBe(2);
    expect(base.trust.entries).toHaveLength(1);
    expect(base.notes).toEqual(['approval policy from main:pipeline.yaml', 'trusted keys from main:.proofgate/allowed_signers']);
  });

  it('needs an approval for a new pipeline', async () => {
    const dir = repoWithBranch().dir;
    git('mv', 'pipeline.yaml', 'new.yaml');
    git('commit', '-q', '-m', 'rename');
    const pipeline = await loadPipeline('new.yaml', dir);

    expect(await readPolicyAtRef(pipeline, 'main')).toEqual({ exists: false });
    expect((await readGovernance(pipeline, { ref: 'main' })).policy.required).toBe(1);
  });

  it('defaults without a block at the ref', async () => {
    project = createProject(
      { 'pipeline.yaml': PIPELINE(''), 'app.js': '', 'cases.jsonl': '{"id":"1","answer":"a"}\n', '.proofgate/allowed_signers': '' },
      { git: true },
    );
    project.write('pipeline.yaml', PIPELINE('approval: { required: 0 }'));
    const pipeline = await loadPipeline('pipeline.yaml', project.dir);

    expect(await readPolicyAtRef(pipeline, 'main')).toEqual({ exists: true });
    expect((await readGovernance(pipeline, { ref: 'main' })).policy).toMatchObject({ required: 1, declared: false });
  });

  it('lets --trust override the path', async () => {
    const dir = repoWithBranch().dir;
    project!.write('other/allowed', `${trustLine('mallory@example.com', mallory, 'approval')}\n`);
    const pipeline = await loadPipeline('pipeline.yaml', dir);

    const governance = await readGovernance(pipeline, { trustFile: `${dir}/other/allowed` });

    expect(governance.trust.entries.map((entry) => entry.principals[0])).toEqual(['mallory@example.com']);
  });
});
