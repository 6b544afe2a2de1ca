import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkBundleForDeploy } from '../../src/approval/deploy.js';
import { evaluateApprovals } from '../../src/approval/evaluate.js';
import { readEvaluatedBundle } from '../../src/approval/evaluated.js';
import type { ApprovalPolicy } from '../../src/approval/policy.js';
import { generateSigningKey } from '../../src/bundle/keys.js';
import { parseAllowedSigners } from '../../src/bundle/trust.js';
import { useTempDirs } from '../bundle/fixtures.js';
import { trustLine, writeApproval, writeEvalBundle } from './fixtures.js';

const makeTempDir = useTempDirs();
const ci = generateSigningKey();
const alice = generateSigningKey();
const bob = generateSigningKey();
const COMMIT = '2'.repeat(40);

function policy(overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy {
  return { required: 1, trust: '', whenChanged: [], accept: ['signature'], declared: true, ...overrides };
}

async function setup(lines: string[]) {
  const dir = await makeTempDir();
  const bundle = writeEvalBundle(dir, { key: ci, commit: COMMIT, finishedAt: new Date('2025-01-02T03:04:05Z') });
  const trust = parseAllowedSigners(lines.join('\n'), 'allowed_signers');

  return { dir, bundle, trust, evaluate: async (rules = policy(), at?: Date) => evaluateApprovals(await readEvaluatedBundle(bundle.file), rules, trust, { at }) };
}

describe('evaluateApprovals', () => {
  it('counts a trusted SSH approval', async () => {
    const { bundle, evaluate } = await setup([trustLine('ci@example.com', ci, 'eval'), trustLine('alice@example.com', alice, 'approval')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });

    const result = await evaluate();

    expect(result.satisfied).toBe(true);
    expect(result.approvers.map((approver) => approver.principal)).toEqual(['alice@example.com']);
    expect(result.approvers[0]?.method).toBe('signature');
    expect(result.problems).toEqual([]);
  });

  it('reports a shortfall without approvals', async () => {
    const { evaluate } = await setup([trustLine('alice@example.com', alice, 'approval')]);

    const result = await evaluate();

    expect(result.satisfied).toBe(false);
    expect(result.problems[0]).toMatch(/^0 of 1 required approval;/);
  });

  it('counts a proofgate key approval', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice, signature: 'dsse' });

    expect((await evaluate()).satisfied).toBe(true);
  });

  it('rejects an eval-only key', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'eval')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });

    const result = await evaluate();

    expect(result.satisfied).toBe(false);
    expect(result.problems[0]).toContain('not trusted for proofgate-approval@v1');
    expect(result.problems[0]).toContain('only for namespaces "proofgate-eval@v1"');
  });

  it('rejects an unknown key', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval')]);
    writeApproval(bundle, { principal: 'bob@example.com', key: bob });

    expect((await evaluate()).problems[0]).toContain('is not in the trust file');
  });

  it('rejects another principal', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval')]);
    writeApproval(bundle, { principal: 'boss@example.com', key: alice });

    const result = await evaluate();

    expect(result.satisfied).toBe(false);
    expect(result.problems[0]).toContain('trusted only for principals alice@example.com, not for boss@example.com');
  });

  it('matches principal patterns', async () => {
    const { bundle, evaluate } = await setup([trustLine('*@example.com,!mallory@example.com', alice, 'approval')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });

    expect((await evaluate()).satisfied).toBe(true);
  });

  it('rejects the evaluation signer', async () => {
    const { bundle, evaluate } = await setup([trustLine('ci@example.com', ci, 'both')]);
    writeApproval(bundle, { principal: 'ci@example.com', key: ci, signature: 'dsse' });

    const result = await evaluate();

    expect(result.satisfied).toBe(false);
    expect(result.problems[0]).toContain('also signed the evaluation');
  });

  it('rejects an approval of another bundle', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice, digest: 'f'.repeat(64) });

    expect((await evaluate()).problems[0]).toContain('approves a different evaluation');
  });

  it('rejects an edited approval', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval')]);
    const file = writeApproval(bundle, { principal: 'alice@example.com', key: alice });
    const content = JSON.parse((await import('node:fs')).readFileSync(file, 'utf8'));
    content.statement.predicate.comment = 'added later';
    writeFileSync(file, JSON.stringify(content));

    expect((await evaluate()).problems[0]).toContain('does not match the signed content');
  });

  it('counts each principal once', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval'), trustLine('alice@example.com', bob, 'approval')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });
    writeApproval(bundle, { principal: 'alice@example.com', key: bob, fileLabel: 'alice-second' });

    const result = await evaluate(policy({ required: 2 }));

    expect(result.approvers).toHaveLength(1);
    expect(result.satisfied).toBe(false);
    expect(result.problems.join('\n')).toContain('alice@example.com already counted once');
  });

  it('counts each key once', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com,al@example.com', alice, 'approval')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });
    writeApproval(bundle, { principal: 'al@example.com', key: alice });

    const result = await evaluate(policy({ required: 2 }));

    expect(result.approvers).toHaveLength(1);
    expect(result.problems.join('\n')).toContain('already counted for another principal');
  });

  it('needs two distinct reviewers', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval'), trustLine('bob@example.com', bob, 'approval')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });
    writeApproval(bundle, { principal: 'bob@example.com', key: bob, signature: 'dsse' });

    const result = await evaluate(policy({ required: 2 }));

    expect(result.satisfied).toBe(true);
    expect(result.approvers.map((approver) => approver.principal).sort()).toEqual(['alice@example.com', 'bob@example.com']);
  });
});

describe('validity windows', () => {
  it('rejects an expired key', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval', ',valid-before="20240101Z"')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });

    const result = await evaluate();

    expect(result.satisfied).toBe(false);
    expect(result.problems[0]).toContain('expired at 2024-01-01T00:00:00.000Z (checked now)');
  });

  it('rejects a not-yet-valid key', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval', ',valid-after="20990101Z"')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });

    expect((await evaluate()).problems[0]).toContain('not valid until 2099-01-01');
  });

  it('rejects approval before validity', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval', ',valid-after="20240601Z"')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice, approvedAt: new Date('2024-01-01T00:00:00Z') });

    const result = await evaluate();

    expect(result.satisfied).toBe(false);
    expect(result.problems[0]).toContain('checked at its approval time 2024-01-01T00:00:00.000Z');
  });

  it('accepts a key inside its window', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval', ',valid-after="20240101Z",valid-before="20300101Z"')]);
    writeApproval(bundle, { principal: 'alice@example.com', key: alice, approvedAt: new Date('2025-06-01T00:00:00Z') });

    expect((await evaluate(policy(), new Date('2026-01-01T00:00:00Z'))).satisfied).toBe(true);
  });
});

describe('platform approvals', () => {
  const review = { provider: 'github' as const, reviewId: 7, login: 'alice', userId: 1001, commit: COMMIT };

  it('counts when the policy accepts them', async () => {
    const { bundle, evaluate } = await setup([trustLine('ci@example.com', ci, 'both')]);
    writeApproval(bundle, { principal: 'github:alice', key: ci, signature: 'dsse', method: 'platform', platform: review });

    const result = await evaluate(policy({ accept: ['signature', 'platform'] }));

    expect(result.satisfied).toBe(true);
    expect(result.approvers[0]).toMatchObject({ principal: 'github:alice', method: 'platform' });
  });

  it('ignores them by default', async () => {
    const { bundle, evaluate } = await setup([trustLine('ci@example.com', ci, 'both')]);
    writeApproval(bundle, { principal: 'github:alice', key: ci, signature: 'dsse', method: 'platform', platform: review });

    const result = await evaluate();

    expect(result.satisfied).toBe(false);
    expect(result.problems[0]).toContain('which the policy does not accept');
  });

  it('rejects another commit', async () => {
    const { bundle, evaluate } = await setup([trustLine('ci@example.com', ci, 'both')]);
    writeApproval(bundle, { principal: 'github:alice', key: ci, signature: 'dsse', method: 'platform', platform: { ...review, commit: '9'.repeat(40) } });

    const result = await evaluate(policy({ accept: ['platform'] }));

    expect(result.satisfied).toBe(false);
    expect(result.problems[0]).toContain('but the evaluation ran on 222222222222');
  });

  it('rejects an SSH-signed platform approval', async () => {
    const { bundle, evaluate } = await setup([trustLine('alice@example.com', alice, 'approval')]);
    writeApproval(bundle, { principal: 'github:alice', key: alice, method: 'platform', platform: review });

    expect((await evaluate(policy({ accept: ['platform'] }))).problems[0]).toContain('must be signed by the CI key');
  });

  it('counts each GitHub user once', async () => {
    const { bundle, evaluate } = await setup([trustLine('ci@example.com', ci, 'both')]);
    writeApproval(bundle, { principal: 'github:alice', key: ci, signature: 'dsse', method: 'platform', platform: review });
    writeApproval(bundle, { principal: 'github:alice', key: ci, signature: 'dsse', method: 'platform', platform: { ...review, reviewId: 8 }, fileLabel: 'again' });

    const result = await evaluate(policy({ required: 2, accept: ['platform'] }));

    expect(result.approvers).toHaveLength(1);
    expect(path.basename(result.approvers[0]?.file ?? '')).toMatch(/\.approval\./);
  });
});

describe('namespaces', () => {
  it('approval-only key cannot sign evaluations', async () => {
    const { bundle, trust } = await setup([trustLine('ci@example.com', ci, 'approval')]);

    const check = await checkBundleForDeploy(bundle.file, policy({ required: 0 }), trust);

    expect(check.ok).toBe(false);
    expect(check.signers).toEqual([]);
    expect(check.problems[0]).toContain('not trusted for proofgate-eval@v1');
  });

  it('eval key signs but cannot approve', async () => {
    const { bundle, trust } = await setup([trustLine('ci@example.com', ci, 'eval'), trustLine('bob@example.com', bob, 'eval')]);
    writeApproval(bundle, { principal: 'bob@example.com', key: bob });

    const check = await checkBundleForDeploy(bundle.file, policy(), trust);

    expect(check.signers.map((signer) => signer.principal)).toEqual(['ci@example.com']);
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toContain('is not trusted for proofgate-approval@v1');
  });
});
