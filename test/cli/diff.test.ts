import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import type { TempProject } from '../helpers/project.js';
import { createHistoryProject, readJson, signedRun } from './history-fixture.js';

let project: TempProject;
let first: string;
let second: string;

beforeAll(async () => {
  project = await createHistoryProject();
  first = await signedRun(project, ['d']);

  project.write('pipeline.yaml', readFileText(project.path('pipeline.yaml')).replace('top_k: 3', 'top_k: 4'));
  project.write('cases.jsonl', `${readFileText(project.path('cases.jsonl'))}{"id":"e","answer":"answer-e"}\n`);
  second = await signedRun(project, ['b']);
}, 60_000);

afterAll(() => project.remove());

function readFileText(file: string): string {
  return readFileSync(file, 'utf8');
}

describe('diff', () => {
  it('prints a Markdown diff', async () => {
    const result = await runCli(['diff', first, second], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^# proofgate diff: faq\n/);
    expect(result.stdout).toContain('- `config.top_k`: `3` → `4`');
    expect(result.stdout).toMatch(/\| `wrong\.json` \| changed \| [0-9a-f]{12} → [0-9a-f]{12} \|/);
    expect(result.stdout).toMatch(/\| `pipeline\.yaml` \| changed \|/);
    expect(result.stdout).toContain('1 pass → fail, 1 fail → pass, 1 added, 0 removed, 2 unchanged.');
    expect(result.stdout).toContain('### pass → fail\n\n- `b`');
    expect(result.stdout).toContain('### fail → pass\n\n- `d`');
    expect(result.stdout).toContain('### added\n\n- `e`');
  });

  it('prints JSON with --json', async () => {
    const result = await runCli(['diff', first, second, '--json'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    const diff = JSON.parse(result.stdout);
    expect(diff.from.path).toMatch(/^proofs\/faq\/\d{8}T\d{6}(?:\.\d{3})?Z-[0-9a-f]{12}\.json$/);
    expect(diff.config).toEqual([{ path: 'config.top_k', kind: 'changed', before: 3, after: 4 }]);
    expect(diff.dataset.changed).toBe(true);
    expect(diff.dataset.after.cases).toBe(5);
    expect(diff.metrics.accuracy).toEqual({ value: 0.8, baseline: 0.75, delta: 0.05 });
    expect(diff.cases.flippedToFail).toEqual(['b']);
    expect(diff.cases.flippedToPass).toEqual(['d']);
  });

  it('accepts version prefixes', async () => {
    const fromVersion = readJson(first).statement.subject[0].digest.sha256 as string;
    const toVersion = readJson(second).statement.subject[0].digest.sha256 as string;

    const result = await runCli(['diff', fromVersion.slice(0, 7), toVersion, '--json'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).to.version).toBe(toVersion);
    expect(JSON.parse(result.stdout).from.version).toBe(fromVersion);
  });

  it('shows no changes between equal bundles', async () => {
    const result = await runCli(['diff', first, first], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('No config changes.');
    expect(result.stdout).toContain('No gate changed its outcome.');
    expect(result.stdout).toContain('0 pass → fail, 0 fail → pass, 0 added, 0 removed, 4 unchanged.');
  });

  it('rejects unknown references', async () => {
    const missing = await runCli(['diff', 'fffffff', second], { cwd: project.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no bundle in proofs has a version starting with fffffff');

    const nonsense = await runCli(['diff', 'latest', second], { cwd: project.dir });
    expect(nonsense.code).toBe(2);
    expect(nonsense.stderr).toContain('"latest" is neither a bundle file nor a version');
  });

  it('rejects a file that is not a bundle', async () => {
    const result = await runCli(['diff', 'pipeline.yaml', second], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pipeline\.yaml: (it is not valid JSON|not a valid proofgate bundle)/);
  });
});
