import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RollbackPredicate } from '../../src/bundle/statement.js';
import { commitFiles, formatCommitMessage } from '../../src/rollback/commit.js';
import type { TempProject } from '../helpers/project.js';
import { createRepo, gitIn } from './repo.js';

let project: TempProject | undefined;
afterEach(() => project?.remove());

function predicate(from: string | null): RollbackPredicate {
  return {
    pipeline: { name: 'faq', path: 'pipeline.yaml' },
    from: { version: from },
    to: { version: `1234567890ab${'0'.repeat(52)}` },
    target: { path: 'proofs/faq/x.json', statementSha256: 'c'.repeat(64), fileSha256: 'd'.repeat(64), signers: ['ci@example.com'], approvers: ['alice@example.com', 'bob@example.com'] },
    restored: [],
    removed: [],
    by: null,
    at: '2025-02-03T04:05:06.789Z',
    git: { commitBefore: null },
    ci: {},
    tool: { name: 'proofgate', version: '0.0.0' },
  };
}

describe('formatCommitMessage', () => {
  it('names both versions in the subject', () => {
    const message = formatCommitMessage(predicate(`abcdefabcdef${'0'.repeat(52)}`), 'proofs/faq/rollbacks/r.json', ['prompt.md']);
    const [subject, blank] = message.split('\n');

    expect(subject).toBe('Roll back faq from abcdefabcdef to 1234567890ab');
    expect(blank).toBe('');
    expect(message).toContain('proven by proofs/faq/x.json');
    expect(message).toContain('Approved by: alice@example.com, bob@example.com');
    expect(message).toContain('Rollback record: proofs/faq/rollbacks/r.json');
    expect(message).toMatch(/Files:\n {2}prompt\.md\n$/);
  });

  it('omits an unknown from version', () => {
    const [subject] = formatCommitMessage(predicate(null), 'r.json', []).split('\n');

    expect(subject).toBe('Roll back faq to 1234567890ab');
  });
});

describe('commitFiles', () => {
  it('commits only the named files', async () => {
    project = createRepo({ 'a.md': 'a\n', 'b.md': 'b\n', 'gone.md': 'g\n' });
    project.write('a.md', 'a2\n');
    project.write('b.md', 'b2\n');
    gitIn(project.dir, 'add', 'b.md');
    project.write('new.md', 'new\n');
    rmSync(project.path('gone.md'));

    const commit = await commitFiles(project.dir, ['a.md', 'new.md', 'gone.md'], 'Roll back\n\nbody\n');

    expect(commit).toBe(gitIn(project.dir, 'rev-parse', 'HEAD'));
    expect(gitIn(project.dir, 'show', '--name-status', '--format=%s', 'HEAD').split('\n')).toEqual(['Roll back', '', 'M\ta.md', 'D\tgone.md', 'A\tnew.md']);
    expect(gitIn(project.dir, 'status', '--porcelain')).toBe('M  b.md');
  });

  it('handles names with pathspec characters', async () => {
    project = createRepo({ 'a*.md': 'star\n', 'ab.md': 'ab\n' });
    project.write('a*.md', 'star2\n');
    project.write('ab.md', 'ab2\n');

    await commitFiles(project.dir, ['a*.md'], 'only the star');

    expect(gitIn(project.dir, 'show', '--name-only', '--format=', 'HEAD')).toBe('a*.md');
    expect(gitIn(project.dir, 'status', '--porcelain')).toBe('M ab.md');
  });
});
