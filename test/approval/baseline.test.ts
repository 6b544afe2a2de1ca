import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { findBaseline } from '../../src/approval/baseline.js';
import { checkBundleForDeploy } from '../../src/approval/deploy.js';
import type { ApprovalPolicy } from '../../src/approval/policy.js';
import { generateSigningKey } from '../../src/bundle/keys.js';
import { parseAllowedSigners } from '../../src/bundle/trust.js';
import type { LoadedPipeline } from '../../src/config/pipeline.js';
import { ProofgateError } from '../../src/errors.js';
import { catchRejection, useTempDirs } from '../bundle/fixtures.js';
import { trustLine, writeApproval, writeEvalBundle } from './fixtures.js';

const makeTempDir = useTempDirs();
const ci = generateSigningKey();
const alice = generateSigningKey();
const stranger = generateSigningKey();
const trust = parseAllowedSigners([trustLine('ci@example.com', ci, 'eval'), trustLine('alice@example.com', alice, 'approval')].join('\n'), 'allowed_signers');

const policy = (overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({
  required: 1,
  trust: '',
  whenChanged: [],
  accept: ['signature'],
  declared: true,
  ...overrides,
});

const at = (minute: number) => new Date(Date.UTC(2025, 0, 2, 3, minute, 0));

const config = (model: string, threshold = 0.9) => ({
  name: 'faq',
  target: { openai: { model } },
  gates: [`accuracy >= ${threshold}`],
});

async function project(approval?: ApprovalPolicy) {
  const root = await makeTempDir();
  const dir = path.join(root, 'proofs', 'faq');
  const pipeline = { root, name: 'faq', ...(approval ? { approval } : {}) } as LoadedPipeline;

  return { root, dir, pipeline };
}

describe('findBaseline', () => {
  it('picks the newest passing signed bundle', async () => {
    const { dir, pipeline } = await project();
    writeEvalBundle(dir, { key: ci, finishedAt: at(1), config: config('a') });
    const second = writeEvalBundle(dir, { key: ci, finishedAt: at(2), config: config('b') });
    writeEvalBundle(dir, { key: ci, finishedAt: at(3), config: config('c'), verdict: 'fail' });
    writeEvalBundle(dir, { finishedAt: at(4), config: config('d') });
    writeEvalBundle(dir, { key: stranger, finishedAt: at(5), config: config('e') });

    const baseline = await findBaseline(pipeline, { mode: 'auto', trust });

    expect(baseline?.file).toBe(second.file);
    expect(baseline?.statementDigest).toBe(second.digest);
    expect(baseline?.predicate.pipeline.version).toBe(second.version);
  });

  it('returns nothing without bundles', async () => {
    const { pipeline } = await project();

    expect(await findBaseline(pipeline, { mode: 'auto', trust })).toBeUndefined();
  });

  it('returns nothing for none', async () => {
    const { dir, pipeline } = await project();
    writeEvalBundle(dir, { key: ci, finishedAt: at(1) });

    expect(await findBaseline(pipeline, { mode: 'none', trust })).toBeUndefined();
  });

  it('needs approval under a policy', async () => {
    const { dir, pipeline } = await project(policy());
    const approved = writeEvalBundle(dir, { key: ci, finishedAt: at(1), config: config('a') });
    writeApproval(approved, { principal: 'alice@example.com', key: alice });
    writeEvalBundle(dir, { key: ci, finishedAt: at(2), config: config('b') });

    const baseline = await findBaseline(pipeline, { mode: 'auto', trust });

    expect(baseline?.file).toBe(approved.file);
    expect(baseline?.approvers.map((approver) => approver.principal)).toEqual(['alice@example.com']);
  });

  it('rejects a named failing bundle', async () => {
    const { dir, pipeline } = await project();
    const failed = writeEvalBundle(dir, { key: ci, finishedAt: at(1), verdict: 'fail' });

    const error = await catchRejection(findBaseline(pipeline, { mode: failed.file, trust }));

    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).exitCode).toBe(2);
    expect((error as Error).message).toContain(`${path.basename(failed.file)} cannot be the baseline: verdict is fail`);
  });

  it('rejects a named unapproved bundle', async () => {
    const { dir, pipeline } = await project(policy());
    const unapproved = writeEvalBundle(dir, { key: ci, finishedAt: at(1) });

    const error = await catchRejection(findBaseline(pipeline, { mode: path.relative(process.cwd(), unapproved.file), trust }));

    expect((error as ProofgateError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/cannot be the baseline: 0 of 1 required approval/);
  });

  it('rejects a named untrusted bundle', async () => {
    const { dir, pipeline } = await project();
    const untrusted = writeEvalBundle(dir, { key: stranger, finishedAt: at(1) });

    const error = await catchRejection(findBaseline(pipeline, { mode: untrusted.file, trust }));

    expect((error as Error).message).toContain('does not verify with any ed25519 key in the trust file');
  });

  it('rejects another pipeline\'s bundle', async () => {
    const { pipeline, root } = await project();
    const other = writeEvalBundle(path.join(root, 'proofs', 'other'), { key: ci, finishedAt: at(1), name: 'other' });

    const error = await catchRejection(findBaseline(pipeline, { mode: other.file, trust }));

    expect((error as Error).message).toContain('belongs to pipeline "other", not faq');
  });

  it('finds a version prefix', async () => {
    const { dir, pipeline } = await project();
    const first = writeEvalBundle(dir, { key: ci, finishedAt: at(1), config: config('a') });
    writeEvalBundle(dir, { key: ci, finishedAt: at(2), config: config('b') });

    expect((await findBaseline(pipeline, { mode: first.version.slice(0, 7), trust }))?.file).toBe(first.file);
    expect((await findBaseline(pipeline, { mode: `sha256:${first.version}`, trust }))?.file).toBe(first.file);
  });

  it('rejects an unknown version', async () => {
    const { dir, pipeline } = await project();
    writeEvalBundle(dir, { key: ci, finishedAt: at(1) });

    const error = await catchRejection(findBaseline(pipeline, { mode: 'abcdef0', trust }));

    expect((error as ProofgateError).code).toBe('USAGE');
    expect((error as Error).message).toContain('no bundle of this pipeline tested a version starting with abcdef0');
  });

  it('rejects a failing version', async () => {
    const { dir, pipeline } = await project();
    const failed = writeEvalBundle(dir, { key: ci, finishedAt: at(1), verdict: 'fail' });

    const error = await catchRejection(findBaseline(pipeline, { mode: failed.version.slice(0, 12), trust }));

    expect((error as ProofgateError).code).toBe('BUNDLE_INVALID');
  });

  it('rejects a missing path', async () => {
    const { pipeline } = await project();

    const error = await catchRejection(findBaseline(pipeline, { mode: 'proofs/faq/nothing.json', trust }));

    expect((error as ProofgateError).code).toBe('USAGE');
  });
});

describe('when_changed', () => {
  const watched = policy({ whenChanged: ['target.openai'] });

  it('waives approval for a threshold tweak', async () => {
    const { dir, pipeline } = await project(watched);
    const approved = writeEvalBundle(dir, { key: ci, finishedAt: at(1), config: config('a') });
    writeApproval(approved, { principal: 'alice@example.com', key: alice });
    const tweak = writeEvalBundle(dir, { key: ci, finishedAt: at(2), config: config('a', 0.8) });

    const check = await checkBundleForDeploy(tweak.file, watched, trust);

    expect(check.ok).toBe(true);
    expect(check.approval?.required).toBe(0);
    expect(check.approval?.exemption).toBe(`no path in when_changed differs from baseline ${path.basename(approved.file)}`);
    expect((await findBaseline(pipeline, { mode: 'auto', trust }))?.file).toBe(tweak.file);
  });

  it('needs approval for a model change', async () => {
    const { dir, pipeline } = await project(watched);
    const approved = writeEvalBundle(dir, { key: ci, finishedAt: at(1), config: config('a') });
    writeApproval(approved, { principal: 'alice@example.com', key: alice });
    const changed = writeEvalBundle(dir, { key: ci, finishedAt: at(2), config: config('b') });

    const check = await checkBundleForDeploy(changed.file, watched, trust);

    expect(check.ok).toBe(false);
    expect(check.problems.at(-1)).toBe(`approval is needed because, since baseline ${path.basename(approved.file)}, target.openai changed`);
    expect((await findBaseline(pipeline, { mode: 'auto', trust }))?.file).toBe(approved.file);
  });

  it('needs approval without a baseline', async () => {
    const { dir } = await project(watched);
    const first = writeEvalBundle(dir, { key: ci, finishedAt: at(1), config: config('a') });

    const check = await checkBundleForDeploy(first.file, watched, trust);

    expect(check.ok).toBe(false);
    expect(check.problems).toContain('approval is needed because there is no earlier approved bundle to compare when_changed with');
  });

  it('chains exempt tweaks to the approval', async () => {
    const { dir } = await project(watched);
    const approved = writeEvalBundle(dir, { key: ci, finishedAt: at(1), config: config('a') });
    writeApproval(approved, { principal: 'alice@example.com', key: alice });
    writeEvalBundle(dir, { key: ci, finishedAt: at(2), config: config('a', 0.8) });
    const third = writeEvalBundle(dir, { key: ci, finishedAt: at(3), config: config('a', 0.7) });

    const check = await checkBundleForDeploy(third.file, watched, trust);

    expect(check.ok).toBe(true);
    expect(check.approval?.exemption).toMatch(/baseline 20250102T030200(?:\.\d{3})?Z-/);
  });
});

describe('checkBundleForDeploy', () => {
  it('names the approvers', async () => {
    const { dir } = await project();
    const bundle = writeEvalBundle(dir, { key: ci, finishedAt: at(1) });
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });

    const check = await checkBundleForDeploy(bundle.file, policy(), trust);

    expect(check).toMatchObject({ ok: true, pipeline: 'faq', verdict: 'pass', problems: [] });
    expect(check.signers).toEqual([expect.objectContaining({ principal: 'ci@example.com' })]);
    expect(check.approvers.map((approver) => approver.principal)).toEqual(['alice@example.com']);
  });

  it('lists every reason', async () => {
    const { dir } = await project();
    const bundle = writeEvalBundle(dir, { key: ci, finishedAt: at(1) });
    writeApproval(bundle, { principal: 'mallory@example.com', key: stranger });

    const check = await checkBundleForDeploy(bundle.file, policy(), trust);

    expect(check.ok).toBe(false);
    expect(check.problems).toHaveLength(2);
    expect(check.problems[0]).toContain('is not in the trust file');
    expect(check.problems[1]).toMatch(/^0 of 1 required approval/);
  });

  it('rejects a failing bundle', async () => {
    const { dir } = await project();
    const bundle = writeEvalBundle(dir, { key: ci, finishedAt: at(1), verdict: 'fail' });
    writeApproval(bundle, { principal: 'alice@example.com', key: alice });

    const check = await checkBundleForDeploy(bundle.file, policy(), trust);

    expect(check.ok).toBe(false);
    expect(check.problems).toEqual(['verdict is fail']);
  });

  it('reports an unreadable bundle', async () => {
    const check = await checkBundleForDeploy('/nonexistent/x.json', policy(), trust);

    expect(check.ok).toBe(false);
    expect(check.problems[0]).toContain('could not be read');
  });
});
