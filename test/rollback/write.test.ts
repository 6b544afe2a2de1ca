import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProofgateError } from '../../src/errors.js';
import type { StagedFile } from '../../src/rollback/restore.js';
import { applyTreeChange } from '../../src/rollback/write.js';
import { createProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project.remove());

function staged(file: string, content: string): StagedFile {
  const bytes = Buffer.from(content);
  return { path: file, sha256: createHash('sha256').update(bytes).digest('hex'), gitBlob: '0'.repeat(40), source: 'blob', bytes };
}

const read = (file: string) => readFileSync(project.path(file), 'utf8');

describe('applyTreeChange', () => {
  it('writes, skips and removes files', async () => {
    project = createProject({ 'a.md': 'old a\n', 'b.md': 'same\n', 'gone.md': 'bye\n' });

    const applied = await applyTreeChange(project.dir, {
      write: [staged('a.md', 'new a\n'), staged('b.md', 'same\n'), staged('new/c.md', 'c\n')],
      remove: ['gone.md'],
    });

    expect(applied.written).toEqual(['a.md', 'new/c.md']);
    expect(applied.unchanged).toEqual(['b.md']);
    expect(applied.removed).toEqual(['gone.md']);
    expect(read('a.md')).toBe('new a\n');
    expect(read('new/c.md')).toBe('c\n');
    expect(existsSync(project.path('gone.md'))).toBe(false);
  });

  it('undo puts every path back', async () => {
    project = createProject({ 'a.md': 'old a\n', 'gone.md': 'bye\n' });
    chmodSync(project.path('a.md'), 0o755);

    const applied = await applyTreeChange(project.dir, { write: [staged('a.md', 'new\n'), staged('c.md', 'c\n')], remove: ['gone.md'] });
    await applied.undo();

    expect(read('a.md')).toBe('old a\n');
    expect(statSync(project.path('a.md')).mode & 0o777).toBe(0o755);
    expect(read('gone.md')).toBe('bye\n');
    expect(existsSync(project.path('c.md'))).toBe(false);
  });

  it('keeps the mode of a replaced file', async () => {
    project = createProject({ 'run.sh': 'echo old\n' });
    chmodSync(project.path('run.sh'), 0o755);

    await applyTreeChange(project.dir, { write: [staged('run.sh', 'echo new\n')], remove: [] });

    expect(statSync(project.path('run.sh')).mode & 0o777).toBe(0o755);
  });

  it('replaces a symlink instead of its target', async () => {
    project = createProject({ 'real.md': 'real\n' });
    symlinkSync('real.md', project.path('link.md'));

    const applied = await applyTreeChange(project.dir, { write: [staged('link.md', 'restored\n')], remove: [] });

    expect(read('real.md')).toBe('real\n');
    expect(lstatSync(project.path('link.md')).isSymbolicLink()).toBe(false);
    expect(read('link.md')).toBe('restored\n');

    await applied.undo();
    expect(readlinkSync(project.path('link.md'))).toBe('real.md');
  });

  it('undoes earlier steps when one fails', async () => {
    project = createProject({ 'a.md': 'old a\n' });
    mkdirSync(project.path('blocked'));

    const attempt = applyTreeChange(project.dir, { write: [staged('a.md', 'new a\n'), staged('blocked', 'not a folder\n')], remove: [] });

    await expect(attempt).rejects.toThrow();
    expect(read('a.md')).toBe('old a\n');
    expect(statSync(project.path('blocked')).isDirectory()).toBe(true);
  });

  it('rejects a folder linked outside', async () => {
    project = createProject({ 'a.md': 'old a\n' });
    const outside = mkdtempSync(path.join(os.tmpdir(), 'proofgate-outside-'));
    symlinkSync(outside, project.path('prompts'));

    try {
      const error = await applyTreeChange(project.dir, { write: [staged('a.md', 'new\n'), staged('prompts/x.md', 'x\n')], remove: [] }).catch((caught: unknown) => caught);

      expect(isProofgateError(error)).toBe(true);
      expect((error as { code?: string }).code).toBe('FILE_OUTSIDE_ROOT');
      expect(existsSync(path.join(outside, 'x.md'))).toBe(false);
      expect(read('a.md')).toBe('old a\n');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
