import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createProject, initGit, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(() => project?.remove());

const STARTER_FILES = [
  'pipeline.yaml',
  'pipeline/answer.js',
  'golden.jsonl',
  '.proofgate/allowed_signers',
  '.proofgate/.gitignore',
  '.github/workflows/proofgate.yml',
  '.gitlab-ci.yml',
];

describe('proofgate init', () => {
  it('scaffold passes its first run', async () => {
    project = createProject();

    const init = await runCli(['init', '--json'], { cwd: project.dir });
    expect(init.code, init.stderr).toBe(0);
    const result = JSON.parse(init.stdout);
    expect(result.written).toEqual(STARTER_FILES);
    expect(result.skipped).toEqual([]);

    const run = await runCli(['run', '--json', '--no-progress'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.verdict).toBe('pass');
    expect(summary.pipeline).toBe(result.name);
    expect(summary.cases.total).toBe(10);
    expect(summary.cases.failed).toBe(0);
  });

  it('second init skips every file', async () => {
    project = createProject();
    await runCli(['init', '--name', 'starter'], { cwd: project.dir });
    const before = readFileSync(project.path('pipeline.yaml'), 'utf8');
    project.write('golden.jsonl', '{"id":"mine","question":"What is 1 plus 1?","answer":"2"}\n');

    const again = await runCli(['init', '--json', '--name', 'other'], { cwd: project.dir });

    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ name: 'other', written: [], skipped: STARTER_FILES });
    expect(again.stderr).toContain('skipped pipeline.yaml (it exists; init never overwrites files)');
    expect(readFileSync(project.path('pipeline.yaml'), 'utf8')).toBe(before);
    expect(readFileSync(project.path('golden.jsonl'), 'utf8')).toContain('"id":"mine"');
  });

  it('--name sets the pipeline name', async () => {
    project = createProject();

    const init = await runCli(['init', '--name', 'support-bot'], { cwd: project.dir });

    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(project.path('pipeline.yaml'), 'utf8')).toContain('name: support-bot\n');
  });

  it('invalid --name exits 2', async () => {
    project = createProject();

    const init = await runCli(['init', '--name', 'Support Bot'], { cwd: project.dir });

    expect(init.code).toBe(2);
    expect(init.stderr).toContain('not a valid pipeline name');
  });

  it('trust file accepts keygen lines', async () => {
    project = createProject();
    await runCli(['init', '--name', 'starter'], { cwd: project.dir });
    initGit(project.dir);

    const keygen = await runCli(['keygen', '--principal', 'ci@example.com', '--trust', '.proofgate/allowed_signers'], { cwd: project.dir });
    expect(keygen.code, keygen.stderr).toBe(0);
    const run = await runCli(['run', '--json', '--no-progress', '--key', '.proofgate/signing-key.pem'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);

    const verify = await runCli(['verify', JSON.parse(run.stdout).bundle], { cwd: project.dir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(readFileSync(project.path('.proofgate/.gitignore'), 'utf8')).toContain('*.pem');
  });
});
