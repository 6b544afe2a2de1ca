import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { pipelineNameFor, scaffoldProject } from '../../src/init/scaffold.js';
import { parseYaml } from '../../src/config/yaml.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tempDir(): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-init-'));
  return dir;
}

describe('pipelineNameFor', () => {
  it.each([
    ['/work/support-bot', 'support-bot'],
    ['/work/My Project', 'my-project'],
    ['/work/__Äpfel__', 'apfel'],
    ['/work/.hidden.', 'hidden'],
    ['/work/***', 'pipeline'],
    [`/work/${'x'.repeat(80)}`, 'x'.repeat(64)],
  ])('%s becomes %s', (folder, name) => {
    expect(pipelineNameFor(folder)).toBe(name);
  });
});

describe('scaffoldProject', () => {
  it('writes every starter file', async () => {
    const project = path.join(tempDir(), 'Demo App');
    mkdirSync(project);

    const result = await scaffoldProject(project, { toolVersion: '9.9.9', packageRoot: tempDir() });

    expect(result.name).toBe('demo-app');
    expect(result.skipped).toEqual([]);
    expect(result.written).toEqual([
      'pipeline.yaml',
      'pipeline/answer.js',
      'golden.jsonl',
      '.proofgate/allowed_signers',
      '.proofgate/.gitignore',
      '.github/workflows/proofgate.yml',
      '.gitlab-ci.yml',
    ]);
    expect(readFileSync(path.join(project, 'pipeline.yaml'), 'utf8')).toContain('name: demo-app\n');
  });

  it('pins the built-in workflows', async () => {
    const project = tempDir();
    await scaffoldProject(project, { toolVersion: '9.9.9', packageRoot: path.join(project, 'no-templates') });

    const github = readFileSync(path.join(project, '.github/workflows/proofgate.yml'), 'utf8');
    const gitlab = readFileSync(path.join(project, '.gitlab-ci.yml'), 'utf8');
    expect(github).toContain('proofgate@9.9.9 run pipeline.yaml');
    expect(github).toContain('actions/cache@v4');
    expect(gitlab).toContain('proofgate@9.9.9 run pipeline.yaml');
    expect(gitlab).toContain('.proofgate/cache/');
    expect(parseYaml(github).problems).toEqual([]);
    expect(parseYaml(gitlab).problems).toEqual([]);
  });

  it('copies package templates', async () => {
    const project = tempDir();
    const packageRoot = path.join(project, 'package');
    mkdirSync(path.join(packageRoot, 'templates', 'github'), { recursive: true });
    writeFileSync(path.join(packageRoot, 'templates', 'github', 'proofgate.yml'), 'name: from-template\n');

    await scaffoldProject(path.join(project), { toolVersion: '1.0.0', packageRoot });

    expect(readFileSync(path.join(project, '.github/workflows/proofgate.yml'), 'utf8')).toBe('name: from-template\n');
    expect(readFileSync(path.join(project, '.gitlab-ci.yml'), 'utf8')).toContain('proofgate@1.0.0');
  });

  it('never overwrites a file', async () => {
    const project = tempDir();
    writeFileSync(path.join(project, 'golden.jsonl'), 'mine\n');
    mkdirSync(path.join(project, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(project, '.github', 'workflows', 'proofgate.yml'), 'mine too\n');

    const result = await scaffoldProject(project, { toolVersion: '1.0.0' });

    expect(result.skipped).toEqual(['golden.jsonl', '.github/workflows/proofgate.yml']);
    expect(readFileSync(path.join(project, 'golden.jsonl'), 'utf8')).toBe('mine\n');
    expect(readFileSync(path.join(project, '.github', 'workflows', 'proofgate.yml'), 'utf8')).toBe('mine too\n');
    expect(result.written).toContain('pipeline.yaml');
  });

  it('rejects an invalid name', async () => {
    const attempt = scaffoldProject(tempDir(), { name: 'Not Valid', toolVersion: '1.0.0' });

    await expect(attempt).rejects.toBeInstanceOf(ProofgateError);
    await expect(attempt).rejects.toMatchObject({ code: 'USAGE' });
  });
});
