import { afterEach, describe, expect, it } from 'vitest';
import { findStrayMaterials } from '../../src/rollback/strays.js';
import type { TempProject } from '../helpers/project.js';
import { commitFiles, createRepo, gitIn } from './repo.js';

let project: TempProject;
afterEach(() => project.remove());

const CONFIG = { name: 'faq', materials: ['prompts/*.md'] };

describe('findStrayMaterials', () => {
  it('marks a tracked clean file removable', async () => {
    project = createRepo({ 'pipeline/p.yaml': 'x', 'pipeline/prompts/a.md': 'a', 'pipeline/prompts/b.md': 'b', 'other.md': 'o' });

    const strays = await findStrayMaterials(project.dir, 'pipeline/p.yaml', CONFIG, new Set(['pipeline/prompts/a.md']));

    expect(strays.removable).toEqual(['pipeline/prompts/b.md']);
    expect(strays.blocked).toEqual([]);
  });

  it('blocks an untracked file', async () => {
    project = createRepo({ 'p.yaml': 'x', 'prompts/a.md': 'a' });
    project.write('prompts/scratch.md', 'notes');

    const strays = await findStrayMaterials(project.dir, 'p.yaml', CONFIG, new Set(['prompts/a.md']));

    expect(strays.removable).toEqual([]);
    expect(strays.blocked).toEqual([{ path: 'prompts/scratch.md', reason: expect.stringMatching(/not tracked/) }]);
  });

  it('blocks a file with unstaged changes', async () => {
    project = createRepo({ 'p.yaml': 'x', 'prompts/a.md': 'a' });
    commitFiles(project, { 'prompts/b.md': 'b' }, 'add b');
    project.write('prompts/b.md', 'b, edited');

    const strays = await findStrayMaterials(project.dir, 'p.yaml', CONFIG, new Set(['prompts/a.md']));

    expect(strays.blocked.map((stray) => stray.path)).toEqual(['prompts/b.md']);
    expect(strays.blocked[0]?.reason).toMatch(/changes that are not staged/);
  });

  it('allows a staged change', async () => {
    project = createRepo({ 'p.yaml': 'x', 'prompts/a.md': 'a' });
    project.write('prompts/b.md', 'b');
    gitIn(project.dir, 'add', 'prompts/b.md');

    const strays = await findStrayMaterials(project.dir, 'p.yaml', CONFIG, new Set(['prompts/a.md']));

    expect(strays.removable).toEqual(['prompts/b.md']);
  });

  it('ignores files outside the globs', async () => {
    project = createRepo({ 'p.yaml': 'x', 'prompts/a.md': 'a', 'prompts/sub/deep.md': 'd', 'notes.md': 'n' });

    const strays = await findStrayMaterials(project.dir, 'p.yaml', CONFIG, new Set(['prompts/a.md']));

    expect(strays).toEqual({ removable: [], blocked: [] });
  });

  it('needs no globs', async () => {
    project = createRepo({ 'p.yaml': 'x', 'prompts/a.md': 'a' });

    const strays = await findStrayMaterials(project.dir, 'p.yaml', { name: 'faq' }, new Set());

    expect(strays).toEqual({ removable: [], blocked: [] });
  });
});
