import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkChain } from '../../src/audit/chain.js';
import type { HistoryEntry } from '../../src/history/entry.js';
import { createProject, type TempProject } from '../helpers/project.js';

let project: TempProject;

beforeEach(() => {
  project = createProject({ 'proofs/p/a.json': '{}', 'proofs/p/b.json': '{}', 'proofs/p/c.json': '{}', 'elsewhere.json': '{}' });
});

afterEach(() => project.remove());

function entry(name: string, previous: HistoryEntry['previous'], digests: { statement?: string | null; file?: string } = {}): HistoryEntry {
  return {
    file: project.path(`proofs/p/${name}`),
    path: `proofs/p/${name}`,
    pipeline: 'p',
    time: '2025-01-01T00:00:00.000Z',
    version: null,
    verdict: 'pass',
    metrics: {},
    gates: [],
    dataset: { path: null, sha256: null, cases: null },
    commit: null,
    fileSha256: digests.file ?? `file-${name}`,
    statementSha256: digests.statement === undefined ? `statement-${name}` : digests.statement,
    previous,
  };
}

function linkTo(name: string): HistoryEntry['previous'] {
  return { path: `proofs/p/${name}`, statementSha256: `statement-${name}`, fileSha256: `file-${name}` };
}

describe('checkChain', () => {
  it('accepts an unbroken chain', async () => {
    const entries = [entry('a.json', null), entry('b.json', linkTo('a.json')), entry('c.json', linkTo('b.json'))];
    expect(await checkChain(entries, project.dir)).toEqual([]);
  });

  it('reports a missing first link', async () => {
    const problems = await checkChain([entry('b.json', linkTo('gone.json'))], project.dir);
    expect(problems).toEqual([
      {
        bundle: 'proofs/p/b.json',
        kind: 'deleted',
        message: 'proofs/p/b.json names proofs/p/gone.json as its previous bundle, which is missing: that bundle was deleted or renamed',
      },
    ]);
  });

  it('reports an unlinked bundle', async () => {
    const problems = await checkChain([entry('a.json', null), entry('b.json', null)], project.dir);
    expect(problems.map((problem) => [problem.bundle, problem.kind])).toEqual([['proofs/p/b.json', 'unlinked']]);
  });

  it('reports a link to elsewhere', async () => {
    const link = { path: 'elsewhere.json', statementSha256: 'x', fileSha256: 'y' };
    const problems = await checkChain([entry('a.json', null), entry('b.json', link)], project.dir);
    expect(problems[0]?.kind).toBe('reordered');
    expect(problems[0]?.message).toContain('but the bundle before it is proofs/p/a.json');
  });

  it('flags an unreadable predecessor', async () => {
    const unreadable = { ...entry('a.json', null, { statement: null }), unreadable: 'not JSON' };
    const problems = await checkChain([unreadable, entry('b.json', linkTo('a.json'))], project.dir);
    expect(problems).toEqual([expect.objectContaining({ bundle: 'proofs/p/a.json', kind: 'edited' })]);
  });

  it('tells edits from rewrites', async () => {
    const edited = await checkChain([entry('a.json', null, { statement: 'other' }), entry('b.json', linkTo('a.json'))], project.dir);
    expect(edited[0]?.kind).toBe('edited');

    const rewritten = await checkChain([entry('a.json', null, { file: 'other' }), entry('b.json', linkTo('a.json'))], project.dir);
    expect(rewritten[0]?.kind).toBe('re-signed');
  });
});
