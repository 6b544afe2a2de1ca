import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCiProject, runAction, type CiProject } from './github-project.js';

let ci: CiProject | undefined;
afterEach(() => ci?.remove());

describe('action.yml', () => {
  it('failing gate: outputs, annotations, exit 1', () => {
    ci = createCiProject('echo.js');

    const action = runAction(ci, { 'commit-bundle': 'true' });

    const run = action.step('run');
    expect(run.status, run.stderr).toBe('success');
    expect(action.outputs.verdict).toBe('fail');
    expect(action.outputs['exit-code']).toBe('1');
    expect(action.outputs.bundle).toMatch(/^proofs\/demo\/\d{8}T\d{6}(?:\.\d{3})?Z-[0-9a-f]{12}\.json$/);
    expect(JSON.parse(action.outputs.metrics as string)).toEqual({ accuracy: 0, error_rate: 0 });
    expect(action.outputs['failed-gates']).toBe('accuracy >= 0.5: accuracy is 0, but the gate requires >= 0.5');

    expect(run.stderr).toContain('::error file=pipeline.yaml,line=12,col=5,title=proofgate gate failed%3A accuracy >= 0.5::accuracy is 0, but the gate requires >= 0.5');
    expect(run.stderr).toContain('::warning title=proofgate bundle unsigned::');

    expect(action.last.name).toBe("Exit with proofgate's exit code");
    expect(action.last.status).toBe('failure');
    expect(action.last.exitCode).toBe(1);
  });

  it('writes summary with table and chart', () => {
    ci = createCiProject('echo.js');

    runAction(ci, {});

    const summary = readFileSync(path.join(ci.scratch, 'step-summary.md'), 'utf8');
    expect(summary).toContain('### ❌ proofgate: demo failed');
    expect(summary).toContain('| metric | value | gate | baseline | Δ | |');
    expect(summary).toContain('| <code>accuracy</code> | 0 | &gt;= 0.5 | — | — | ❌ |');
    expect(summary).toContain('```mermaid\nxychart-beta');
    expect(summary).toContain('[CI run](https://github.com/acme/llm-app/actions/runs/9000000001/attempts/1)');
  });

  it('comment file starts with marker', () => {
    ci = createCiProject('echo.js');

    const action = runAction(ci, {});

    const commentFile = action.outputs['comment-file'] as string;
    expect(commentFile).toBe(path.join(ci.scratch, 'proofgate-comment.md'));
    expect(readFileSync(commentFile, 'utf8').split('\n')[0]).toBe('<!-- proofgate:demo -->');
  });

  it('summary file holds pure JSON', () => {
    ci = createCiProject('echo.js');

    const action = runAction(ci, {});

    const summary = JSON.parse(readFileSync(action.outputs['summary-file'] as string, 'utf8'));
    expect(summary.verdict).toBe('fail');
    expect(summary.bundle).toBe(action.outputs.bundle);
  });

  it('commits the bundle to the branch', () => {
    ci = createCiProject('echo.js');

    const action = runAction(ci, { 'commit-bundle': 'true' });

    expect(action.step('commit').status, action.step('commit').stderr).toBe('success');
    expect(ci.originGit('log', '-1', '--format=%s', 'feature')).toBe('proofgate: add bundle (fail)');
    expect(ci.originGit('ls-tree', '-r', '--name-only', 'feature')).toContain(action.outputs.bundle);
    expect(ci.originGit('rev-parse', 'feature')).toBe(ci.git('rev-parse', 'HEAD'));
  });

  it('bundle commit is not repeated', () => {
    ci = createCiProject('echo.js');
    runAction(ci, { 'commit-bundle': 'true' });
    const first = ci.originGit('rev-parse', 'feature');

    const second = runAction(ci, { 'commit-bundle': 'true' });

    expect(second.step('run').status, second.step('run').stderr).toBe('success');
    expect(second.outputs.bundle).not.toBe('');
    expect(second.step('commit').stdout).toContain('HEAD is already a bundle commit');
    expect(ci.originGit('rev-parse', 'feature')).toBe(first);
  });

  it('passing run exits 0 without committing', () => {
    ci = createCiProject('answers.js');

    const action = runAction(ci, {});

    expect(action.outputs.verdict).toBe('pass');
    expect(action.outputs['exit-code']).toBe('0');
    expect(action.outputs['failed-gates']).toBe('');
    expect(action.step('commit').status).toBe('skipped');
    expect(action.step('run').stderr).not.toContain('::error');
    expect(action.last.status).toBe('success');
  });

  it('extra args reach proofgate run', () => {
    ci = createCiProject('answers.js');

    const action = runAction(ci, { args: '--junit reports/junit.xml  --no-progress' });

    expect(action.outputs.verdict).toBe('pass');
    expect(existsSync(ci.project.path('reports/junit.xml'))).toBe(true);
  });

  it('invalid input exits 2 without bundle', () => {
    ci = createCiProject('answers.js');

    const action = runAction(ci, { pipeline: 'missing.yaml' });

    expect(action.outputs['exit-code']).toBe('2');
    expect(action.outputs.verdict).toBe('');
    expect(action.outputs['comment-file']).toBe('');
    expect(action.last.exitCode).toBe(2);
  });

  it('run false only installs proofgate', () => {
    ci = createCiProject('answers.js');

    const action = runAction(ci, { run: 'false' });

    expect(action.step('path').status).toBe('success');
    expect(action.step('run').status).toBe('skipped');
    expect(action.last.status).toBe('skipped');
    const shim = path.join(ci.scratch, 'proofgate-bin', 'proofgate');
    const version = spawnSync(shim, ['--version'], { encoding: 'utf8' });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
