import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProofgateError } from '../../src/errors.js';
import { prepareRunReports } from '../../src/report/run-reports.js';
import { runCli } from '../helpers/cli.js';
import { createProject, type TempProject } from '../helpers/project.js';
import { CASES, PIPELINE } from '../ci/github-project.js';
import { validateJunit } from './junit-schema.js';

let project: TempProject | undefined;
afterEach(() => project?.remove());

const ECHO = "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(input.vars.question);\n";

function echoProject(): TempProject {
  return createProject({ 'echo.js': ECHO, 'package.json': '{"type":"commonjs"}', 'cases.jsonl': CASES, 'pipeline.yaml': PIPELINE('echo.js') });
}

async function usageError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isProofgateError(error) && error.code === 'USAGE') return error.message;
    throw error;
  }
  throw new Error('expected a USAGE error');
}

describe('prepareRunReports', () => {
  it('rejects a report path that is a folder', async () => {
    project = createProject({ 'reports/.keep': '' });

    const message = await usageError(prepareRunReports({ cwd: project.dir, env: {}, junitFile: 'reports' }));

    expect(message).toBe(`--junit reports is a folder; name a file inside it, such as ${path.join('reports', 'proofgate.xml')}; nothing was run`);
  });

  it('rejects a path below a file', async () => {
    project = createProject({ 'notes.txt': 'x' });

    const message = await usageError(prepareRunReports({ cwd: project.dir, env: {}, commentFile: 'notes.txt/comment.md' }));

    expect(message).toContain('--comment-file notes.txt/comment.md cannot be written');
    expect(message).toContain('is a file, not a folder');
  });

  it('accepts a path in a missing folder', async () => {
    project = createProject();

    const reports = await prepareRunReports({ cwd: project.dir, env: {}, junitFile: 'out/deep/junit.xml' });

    expect(reports.onCaseRecords).toBeDefined();
  });

  it('no JUnit option means no hook', async () => {
    project = createProject();

    expect((await prepareRunReports({ cwd: project.dir, env: {} })).onCaseRecords).toBeUndefined();
  });
});

describe('proofgate run reports', () => {
  it('junit and comment files without CI', async () => {
    project = echoProject();

    const result = await runCli(['run', '--junit', 'out/junit.xml', '--comment-file', 'out/comment.md'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(1);
    const junit = validateJunit(project.path('out/junit.xml'));
    expect(junit.valid, junit.output).toBe(true);
    const xml = readFileSync(project.path('out/junit.xml'), 'utf8');
    expect(xml.match(/<testcase classname="demo.cases"/g)).toHaveLength(3);
    expect(xml).toContain('<failure message="exact: expected &quot;ONE&quot; but got &quot;one&quot;" type="scorer">');
    expect(readFileSync(project.path('out/comment.md'), 'utf8').split('\n')[0]).toBe('<!-- proofgate:demo -->');
    expect(result.stderr).not.toContain('::error');
    expect(result.stderr).not.toContain('section_start');
  });

  it('folder as junit path exits 2', async () => {
    project = echoProject();
    mkdirSync(project.path('out'));

    const result = await runCli(['run', '--junit', 'out'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('proofgate: error: --junit out is a folder');
    expect(project.bundles('demo')).toHaveLength(0);
  });

  it('report failure keeps the verdict exit code', async () => {
    project = echoProject();
    mkdirSync(project.path('summary-dir'));

    const result = await runCli(['run', '--json'], {
      cwd: project.dir,
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: project.path('summary-dir') },
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/proofgate: error: could not append to \$GITHUB_STEP_SUMMARY: .*\(the exit code still reflects the verdict\)/);
    expect(JSON.parse(result.stdout).verdict).toBe('fail');
  });

  it('GitHub annotations stay off stdout', async () => {
    project = echoProject();
    const outputs = project.path('github-output');
    writeFileSync(outputs, '');

    const result = await runCli(['run', '--json'], { cwd: project.dir, env: { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputs } });

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).verdict).toBe('fail');
    expect(result.stdout).not.toContain('::');
    expect(result.stderr).toContain('::error file=pipeline.yaml,line=12,col=5,');
    expect(readFileSync(outputs, 'utf8')).toContain('verdict=fail\nexit-code=1\n');
  });

  it('GitLab sections wrap progress and report', async () => {
    project = echoProject();

    const result = await runCli(['run'], { cwd: project.dir, env: { GITLAB_CI: 'true' } });

    expect(result.code).toBe(1);
    const starts = [...result.stderr.matchAll(/section_start:\d+:(\w+)/g)].map((match) => match[1]);
    const ends = [...result.stderr.matchAll(/section_end:\d+:(\w+)/g)].map((match) => match[1]);
    expect(starts).toEqual(['proofgate_cases', 'proofgate_report']);
    expect(ends).toEqual(['proofgate_cases', 'proofgate_report']);
  });
});
