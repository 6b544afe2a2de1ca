import type { RollbackPredicate } from '../bundle/statement.js';
import { git } from '../git/git.js';

/**
 * Formats the commit message: a subject naming both versions by their first
 * 12 hex digits, and a body naming the target bundle, who vouched for it and
 * every file the rollback changed.
 */
export function formatCommitMessage(predicate: RollbackPredicate, recordPath: string, changed: readonly string[]): string {
  const from = predicate.from.version === null ? '' : ` from ${predicate.from.version.slice(0, 12)}`;
  const subject = `Roll back ${predicate.pipeline.name}${from} to ${predicate.to.version.slice(0, 12)}`;
  const { target } = predicate;

  const body = [
    `Restores version ${predicate.to.version}`,
    `proven by ${target.path}`,
    `(statement sha256 ${target.statementSha256}).`,
    '',
    `Signed by: ${listOrNone(target.signers)}`,
    `Approved by: ${listOrNone(target.approvers)}`,
    `Rollback record: ${recordPath}`,
    '',
    'Files:',
    ...changed.map((file) => `  ${file}`),
  ];

  return `${subject}\n\n${body.join('\n')}\n`;
}

/**
 * Stages `files` (new, changed and deleted ones alike) and commits only them,
 * leaving any other staged change out of the commit. Returns the new commit id.
 */
export async function commitFiles(root: string, files: readonly string[], message: string): Promise<string> {
  // --literal-pathspecs keeps a file name with `*` or `:` from matching other files.
  await git(['--literal-pathspecs', 'add', '--all', '--', ...files], root);
  await git(['--literal-pathspecs', 'commit', '--quiet', '--message', message, '--', ...files], root);

  return git(['rev-parse', 'HEAD'], root);
}

function listOrNone(principals: readonly string[]): string {
  return principals.length === 0 ? 'none' : principals.join(', ');
}
