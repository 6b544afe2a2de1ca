import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Material } from '../../src/config/files.js';
import { isProofgateError } from '../../src/errors.js';
import { findPathProblem, stageRecordedFiles } from '../../src/rollback/restore.js';
import type { TempProject } from '../helpers/project.js';
import { commitFiles, createRepo, gitIn } from './repo.js';

let project: TempProject;
afterEach(() => project.remove());

function material(path: string, content: string, gitBlob: string): Material {
  return { path, sha256: createHash('sha256').update(content).digest('hex'), gitBlob };
}

async function stageError(files: Material[], commit?: string) {
  try {
    await stageRecordedFiles(project.dir, files, commit);
  } catch (error) {
    if (isProofgateError(error)) return error;
    throw error;
  }
  throw new Error('stageRecordedFiles did not throw');
}

describe('stageRecordedFiles', () => {
  it('reads an old blob by id', async () => {
    project = createRepo({ 'prompt.md': 'first\n' });
    const blob = gitIn(project.dir, 'rev-parse', 'HEAD:prompt.md');
    commitFiles(project, { 'prompt.md': 'second\n' }, 'change');

    const [staged] = await stageRecordedFiles(project.dir, [material('prompt.md', 'first\n', blob)], undefined);

    expect(staged?.bytes.toString()).toBe('first\n');
    expect(staged?.source).toBe('blob');
  });

  it('reads binary bytes unchanged', async () => {
    project = createRepo({});
    const bytes = Buffer.from([0, 255, 10, 13, 10, 0, 1]);
    writeFileSync(project.path('data.bin'), bytes);
    gitIn(project.dir, 'add', 'data.bin');
    gitIn(project.dir, 'commit', '-q', '-m', 'binary');
    const blob = gitIn(project.dir, 'rev-parse', 'HEAD:data.bin');
    const record = { path: 'data.bin', sha256: createHash('sha256').update(bytes).digest('hex'), gitBlob: blob };

    const [staged] = await stageRecordedFiles(project.dir, [record], undefined);

    expect(staged?.bytes.equals(bytes)).toBe(true);
  });

  it('finds a blob after a squash merge', async () => {
    project = createRepo({ 'prompt.md': 'base\n' });
    gitIn(project.dir, 'checkout', '-q', '-b', 'feature');
    const featureCommit = commitFiles(project, { 'prompt.md': 'feature\n' }, 'feature work');
    const blob = gitIn(project.dir, 'rev-parse', 'HEAD:prompt.md');
    gitIn(project.dir, 'checkout', '-q', 'main');
    gitIn(project.dir, 'merge', '-q', '--squash', 'feature');
    gitIn(project.dir, 'commit', '-q', '-m', 'squashed');
    gitIn(project.dir, 'branch', '-q', '-D', 'feature');
    gitIn(project.dir, 'reflog', 'expire', '--expire=now', '--all');
    gitIn(project.dir, 'gc', '-q', '--prune=now');
    commitFiles(project, { 'prompt.md': 'later\n' }, 'later');

    expect(() => gitIn(project.dir, 'cat-file', '-e', featureCommit)).toThrow();
    const [staged] = await stageRecordedFiles(project.dir, [material('prompt.md', 'feature\n', blob)], featureCommit);

    expect(staged?.bytes.toString()).toBe('feature\n');
    expect(staged?.source).toBe('blob');
  });

  it('falls back to the recorded commit', async () => {
    project = createRepo({ 'prompt.md': 'first\n' });
    const commit = gitIn(project.dir, 'rev-parse', 'HEAD');
    commitFiles(project, { 'prompt.md': 'second\n' }, 'change');
    const missingBlob = 'f'.repeat(40);

    const [staged] = await stageRecordedFiles(project.dir, [material('prompt.md', 'first\n', missingBlob)], commit);

    expect(staged?.bytes.toString()).toBe('first\n');
    expect(staged?.source).toBe('commit');
  });

  it('rejects commit bytes with another sha256', async () => {
    project = createRepo({ 'prompt.md': 'committed\n' });
    const commit = gitIn(project.dir, 'rev-parse', 'HEAD');

    const error = await stageError([material('prompt.md', 'never committed\n', 'f'.repeat(40))], commit);

    expect(error.code).toBe('VERIFY_FAILED');
    expect(error.details[0]).toMatch(/^prompt\.md: blob ffffffffffff is not in the object store, and the file in commit .* has sha256/);
  });

  it('lists every file it cannot restore', async () => {
    project = createRepo({ 'a.md': 'a\n' });
    const blob = gitIn(project.dir, 'rev-parse', 'HEAD:a.md');

    const error = await stageError([
      material('a.md', 'a\n', blob),
      material('b.md', 'b\n', 'e'.repeat(40)),
      material('c.md', 'c\n', 'not-an-id'),
    ]);

    expect(error.message).toMatch(/cannot restore 2 recorded files/);
    expect(error.details).toHaveLength(2);
    expect(error.details[0]).toMatch(/^b\.md: .* no commit to read it from/);
    expect(error.details[1]).toMatch(/^c\.md: the recorded blob id "not-an-id" is not a git object id/);
  });

  it('rejects a blob whose sha256 differs', async () => {
    project = createRepo({ 'a.md': 'a\n' });
    const blob = gitIn(project.dir, 'rev-parse', 'HEAD:a.md');

    const error = await stageError([material('a.md', 'other\n', blob)]);

    expect(error.details[0]).toMatch(/does not hash to the recorded sha256/);
  });

  it('rejects a path leaving the project', async () => {
    project = createRepo({ 'a.md': 'a\n' });
    const blob = gitIn(project.dir, 'rev-parse', 'HEAD:a.md');

    const error = await stageError([material('../a.md', 'a\n', blob)]);

    expect(error.details[0]).toMatch(/^\.\.\/a\.md: the recorded path contains/);
  });
});

describe('findPathProblem', () => {
  it.each([
    ['prompts/answer.md', undefined],
    ['/etc/passwd', 'relative'],
    ['C:/x', 'relative'],
    ['a\\b', 'relative'],
    ['a/../b', '".."'],
    ['a//b', 'empty'],
    ['./a', '"."'],
    ['.git/config', '.git'],
    ['sub/.GIT/hooks/x', '.git'],
  ])('%s', (file, expected) => {
    const problem = findPathProblem(file);

    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});
