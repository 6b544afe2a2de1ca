import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { TempProject } from '../helpers/project.js';
import { addReviewer, createHistoryProject, readJson, signedRun } from './history-fixture.js';

let project: TempProject;
let first: string;
let second: string;
let failing: string;

beforeAll(async () => {
  project = await createHistoryProject();
  first = await signedRun(project, ['d']);
  second = await signedRun(project, []);
  failing = await signedRun(project, ['a', 'b', 'c']);

  const reviewerKey = await addReviewer(project, 'reviewer@example.com');
  const approval = await runCli(['approve', second, '--key', reviewerKey, '--principal', 'reviewer@example.com'], { cwd: project.dir });
  expect(approval.code, approval.stderr).toBe(0);
}, 90_000);

afterAll(() => project.remove());

function versionOf(file: string): string {
  return readJson(file).statement.subject[0].digest.sha256 as string;
}

describe('log', () => {
  it('lists bundles newest first', async () => {
    const result = await runCli(['log'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+PIPELINE\s+VERSION\s+VERDICT\s+METRICS\s+APPROVERS\s+COMMIT$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(versionOf(failing).slice(0, 12));
    expect(lines[1]).toMatch(/ fail +accuracy=0\.25 error_rate=0 /);
    expect(lines[2]).toContain(versionOf(second).slice(0, 12));
    expect(lines[2]).toMatch(/ pass +accuracy=1 error_rate=0 +reviewer@example\.com \(signature\) +[0-9a-f]{7}$/);
    expect(lines[3]).toContain(versionOf(first).slice(0, 12));
    expect(lines[3]).toMatch(/accuracy=0\.75/);
  });

  it('prints JSON with a limit', async () => {
    const result = await runCli(['log', 'faq', '--json', '--limit', '2'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    const entries = JSON.parse(result.stdout);
    expect(entries).toHaveLength(2);
    expect(entries[0].version).toBe(versionOf(failing));
    expect(entries[0].verdict).toBe('fail');
    expect(entries[0].approvers).toEqual([]);
    expect(entries[1].metrics).toEqual({ accuracy: 1, error_rate: 0 });
    expect(entries[1].approvers).toEqual([{ principal: 'reviewer@example.com', method: 'signature' }]);
    expect(entries[1].commit).toMatch(/^[0-9a-f]{40}$/);
    expect(entries[1].path).toBe(`proofs/faq/${second.split('/').at(-1)}`);
  });

  it('rejects a missing --trust file', async () => {
    const result = await runCli(['log', '--json', '--trust', 'missing_signers'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing_signers was not found');
  });

  it('finds proofs from a subfolder', async () => {
    const result = await runCli(['log', '--json'], { cwd: project.path('proofs/faq') });

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(3);
  });

  it('rejects an unknown pipeline', async () => {
    const result = await runCli(['log', 'nope'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no bundles for pipeline "nope"');
  });

  it('rejects a bad limit', async () => {
    const result = await runCli(['log', '--limit', '0'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected a whole number of at least 1');
  });

  it('notes a missing trust file', async () => {
    rmSync(project.path('.proofgate/allowed_signers'));
    const result = await runCli(['log', '--json', '--limit', '1'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('approvals are not checked');
    expect(JSON.parse(result.stdout)[0].approvers).toBeNull();
  });
});
