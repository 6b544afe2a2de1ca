import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_TOTO_PAYLOAD_TYPE } from '../../src/bundle/dsse.js';
import { canonicalBytes } from '../../src/bundle/jcs.js';
import { parsePrivateKeyPem } from '../../src/bundle/keys.js';
import { signPayload } from '../../src/bundle/sign.js';
import { ROLLBACK_PREDICATE_TYPE, STATEMENT_TYPE, type RollbackStatement } from '../../src/bundle/statement.js';
import { writeRollbackRecord } from '../../src/rollback/record.js';
import { runCli } from '../helpers/cli.js';
import type { TempProject } from '../helpers/project.js';
import { addReviewer, createHistoryProject, readJson, signedRun } from './history-fixture.js';

let base: TempProject;
let names: string[];
const copies: string[] = [];

beforeAll(async () => {
  base = await createHistoryProject();
  await signedRun(base, ['d']);
  const second = await signedRun(base, []);
  await signedRun(base, ['a']);
  names = base.bundles('faq').map((file) => path.basename(file));

  const reviewerKey = await addReviewer(base, 'reviewer@example.com');
  const approval = await runCli(['approve', second, '--key', reviewerKey, '--principal', 'reviewer@example.com'], { cwd: base.dir });
  expect(approval.code, approval.stderr).toBe(0);
}, 90_000);

afterAll(() => {
  base.remove();
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

// Each tampering test works on its own copy of the signed history.
function copyProject(): { dir: string; bundle: (index: number) => string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-audit-'));
  copies.push(dir);
  cpSync(base.dir, dir, { recursive: true });
  return { dir, bundle: (index) => path.join(dir, 'proofs', 'faq', names[index] as string) };
}

async function auditJson(dir: string, args: string[] = []) {
  const result = await runCli(['audit', '--json', ...args], { cwd: dir });
  return { code: result.code, stderr: result.stderr, report: result.stdout === '' ? undefined : JSON.parse(result.stdout) };
}

function chainOf(report: any, index: number) {
  return report.pipelines[0].bundles.find((bundle: any) => bundle.path.endsWith(names[index])).chain;
}

describe('audit of an intact history', () => {
  it('exits 0 with Markdown', async () => {
    const result = await runCli(['audit'], { cwd: base.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^# proofgate audit\n/);
    expect(result.stdout).toContain('| result | **intact**: every signature verified and the previous-bundle chain is unbroken |');
    expect(result.stdout).toContain('| bundles | 3 |');
    expect(result.stdout).toContain('## faq');
    expect(result.stdout).toContain('verified (ci@example.com)');
    expect(result.stdout).toContain('reviewer@example.com (signature)');
  });

  it('reports every bundle in JSON', async () => {
    const { code, report } = await auditJson(base.dir);

    expect(code).toBe(0);
    expect(report.summary).toEqual({ bundles: 3, rollbacks: 0, signatureProblems: 0, chainProblems: 0, intact: true });
    const [first, second] = report.pipelines[0].bundles;
    expect(first.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.metrics).toEqual({ accuracy: 0.75, error_rate: 0 });
    expect(first.gates.map((gate: any) => gate.source)).toEqual(['accuracy >= 0.5', 'error_rate <= 0']);
    expect(first.signature.status).toBe('verified');
    expect(second.approvals.approvers).toEqual([
      expect.objectContaining({ principal: 'reviewer@example.com', method: 'signature', approvedAt: expect.any(String) }),
    ]);
  });

  it('writes one CSV row per bundle', async () => {
    const result = await runCli(['audit', '--format', 'csv'], { cwd: base.dir });

    expect(result.code, result.stderr).toBe(0);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(3);
    expect(rows[0]?.record).toBe('bundle');
    expect(rows[0]?.signature).toBe('verified');
    expect(rows[0]?.gates).toBe('accuracy >= 0.5: pass; error_rate <= 0: pass');
    expect(rows[1]?.approvers).toBe('reviewer@example.com (signature)');
    expect(rows[2]?.problems).toBe('');
  });

  it('filters by period', async () => {
    const future = await auditJson(base.dir, ['--since', '2999-01-01']);
    expect(future.code).toBe(0);
    expect(future.report.summary.bundles).toBe(0);

    const today = new Date().toISOString().slice(0, 10);
    const current = await auditJson(base.dir, ['--since', '2000-01-01', '--until', today]);
    expect(current.report.summary.bundles).toBe(3);
  });

  it('rejects an invalid date', async () => {
    const result = await runCli(['audit', '--until', '2025-02-30'], { cwd: base.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--until "2025-02-30" is not a date');
  });
});

describe('audit finds tampering', () => {
  it('names a deleted bundle', async () => {
    const copy = copyProject();
    unlinkSync(copy.bundle(1));

    const { code, report } = await auditJson(copy.dir);

    expect(code).toBe(1);
    expect(report.summary.intact).toBe(false);
    expect(chainOf(report, 2)).toEqual([
      expect.objectContaining({ kind: 'deleted', message: expect.stringContaining(`names proofs/faq/${names[1]} as its previous bundle, which is missing`) }),
    ]);
  });

  it('names an edited bundle', async () => {
    const copy = copyProject();
    const file = readJson(copy.bundle(0));
    file.statement.predicate.metrics.accuracy.value = 1;
    writeFileSync(copy.bundle(0), JSON.stringify(file, null, 2));

    const { code, report } = await auditJson(copy.dir);

    expect(code).toBe(1);
    const edited = report.pipelines[0].bundles[0];
    expect(edited.signature.status).toBe('invalid');
    expect(edited.chain).toEqual([expect.objectContaining({ kind: 'edited', message: expect.stringContaining(`proofs/faq/${names[0]} was edited after proofs/faq/${names[1]} was written`) })]);
  });

  it('names a re-signed bundle', async () => {
    const copy = copyProject();
    const keygen = await runCli(['keygen', '--out', 'keys/other.pem', '--principal', 'other@example.com', '--trust', '.proofgate/allowed_signers'], { cwd: copy.dir });
    expect(keygen.code, keygen.stderr).toBe(0);

    const key = parsePrivateKeyPem(readFileSync(path.join(copy.dir, 'keys/other.pem'), 'utf8'), 'other.pem');
    const file = readJson(copy.bundle(0));
    file.signatures = [signPayload(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(file.statement), key)];
    writeFileSync(copy.bundle(0), JSON.stringify(file, null, 2));

    const { code, report } = await auditJson(copy.dir);

    expect(code).toBe(1);
    const resigned = report.pipelines[0].bundles[0];
    expect(resigned.signature.status).toBe('verified');
    expect(resigned.signature.signers[0].principal).toBe('other@example.com');
    expect(resigned.chain).toEqual([expect.objectContaining({ kind: 're-signed' })]);
  });

  it('names an inserted bundle', async () => {
    const copy = copyProject();
    const inserted = copy.bundle(0).replace(/\.json$/, '-1.json');
    copyFileSync(copy.bundle(2), inserted);

    const { code, report } = await auditJson(copy.dir);

    expect(code).toBe(1);
    const bundles = report.pipelines[0].bundles;
    expect(bundles).toHaveLength(4);
    expect(bundles[1].chain).toEqual([expect.objectContaining({ kind: 'reordered' })]);
    expect(chainOf(report, 1)).toEqual([expect.objectContaining({ kind: 'reordered', message: expect.stringContaining(`the bundle before it is proofs/faq/${path.basename(inserted)}`) })]);
  });

  it('exits 1 in Markdown too', async () => {
    const copy = copyProject();
    unlinkSync(copy.bundle(1));

    const result = await runCli(['audit'], { cwd: copy.dir });

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('**broken**');
    expect(result.stdout).toContain('### Problems');
    expect(result.stderr).toContain('audit found 0 signature and 1 chain problems');
  });
});

describe('audit trust and rollbacks', () => {
  it('judges keys at signing time', async () => {
    const copy = copyProject();
    const key = parsePrivateKeyPem(readFileSync(path.join(copy.dir, 'keys/ci.pem'), 'utf8'), 'ci.pem');
    const file = readJson(copy.bundle(0));
    file.statement.predicate.finishedAt = '2020-06-01T00:00:00.000Z';
    file.signatures = [signPayload(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(file.statement), key)];
    writeFileSync(copy.bundle(0), JSON.stringify(file, null, 2));

    const trustFile = path.join(copy.dir, '.proofgate/allowed_signers');
    writeFileSync(trustFile, readFileSync(trustFile, 'utf8').replace('namespaces="proofgate-eval@v1"', 'namespaces="proofgate-eval@v1",valid-before="20210101"'));

    const { code, report } = await auditJson(copy.dir);

    expect(code).toBe(1);
    const statuses = report.pipelines[0].bundles.map((bundle: any) => bundle.signature.status);
    expect(statuses).toEqual(['verified', 'invalid', 'invalid']);
    expect(report.pipelines[0].bundles[1].signature.problems[0]).toContain('expired');
  });

  it('reads trust from a git ref', async () => {
    const copy = copyProject();
    const missing = await runCli(['audit', '--trust-ref', 'main'], { cwd: copy.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('main has no file .proofgate/allowed_signers');

    const git = (...args: string[]) => execFileSync('git', args, { cwd: copy.dir, stdio: 'pipe' });
    git('add', '.proofgate/allowed_signers');
    git('commit', '-q', '-m', 'trust the CI key');

    const { code, report } = await auditJson(copy.dir, ['--trust-ref', 'main']);
    expect(code).toBe(0);
    expect(report.trust).toBe('main:.proofgate/allowed_signers');
  });

  it('lists signed rollback records', async () => {
    const copy = copyProject();
    const target = readJson(copy.bundle(1));
    const version = target.statement.subject[0].digest.sha256 as string;
    const key = parsePrivateKeyPem(readFileSync(path.join(copy.dir, 'keys/ci.pem'), 'utf8'), 'ci.pem');
    const statement = {
      _type: STATEMENT_TYPE,
      subject: [{ name: 'faq', digest: { sha256: version } }],
      predicateType: ROLLBACK_PREDICATE_TYPE,
      predicate: {
        pipeline: { name: 'faq', path: 'pipeline.yaml' },
        from: { version: readJson(copy.bundle(2)).statement.subject[0].digest.sha256 },
        to: { version },
        target: { path: `proofs/faq/${names[1]}`, statementSha256: 'a'.repeat(64), fileSha256: 'b'.repeat(64), signers: ['ci@example.com'], approvers: [] },
        restored: [],
        removed: [],
        by: 'ops@example.com',
        at: new Date().toISOString(),
        git: { commitBefore: null },
        ci: {},
        tool: { name: 'proofgate', version: '0.0.0' },
      },
    } as unknown as RollbackStatement;
    await writeRollbackRecord(path.join(copy.dir, 'proofs'), statement, key);

    const { code, report } = await auditJson(copy.dir);

    expect(code).toBe(0);
    expect(report.summary.rollbacks).toBe(1);
    expect(report.pipelines[0].rollbacks[0]).toEqual(
      expect.objectContaining({ by: 'ops@example.com', toVersion: version, verified: true, target: `proofs/faq/${names[1]}` }),
    );

    const markdown = await runCli(['audit'], { cwd: copy.dir });
    expect(markdown.stdout).toContain('### Rollbacks');
    expect(markdown.stdout).toContain('ops@example.com');
  });
});
