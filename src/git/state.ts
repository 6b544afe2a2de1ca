import { tryGit } from './git.js';

export interface GitState {
  commit?: string;
  branch?: string;
  dirty?: boolean;
}

/** Finds the top of the git work tree containing `dir`, if any. */
export async function findWorkTreeRoot(dir: string): Promise<string | undefined> {
  return tryGit(['rev-parse', '--show-toplevel'], dir);
}

/**
 * Reads the commit, branch and whether tracked files differ from it.
 * Untracked files do not count as dirty, because the bundle being written
 * is itself untracked until it is committed.
 */
export async function readGitState(root: string, env: NodeJS.ProcessEnv): Promise<GitState> {
  const [commit, branch, status] = await Promise.all([
    tryGit(['rev-parse', '--verify', '--quiet', 'HEAD'], root),
    tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], root),
    tryGit(['status', '--porcelain', '--untracked-files=no'], root),
  ]);

  return {
    commit: commit || undefined,
    // CI checkouts are usually detached, so the branch comes from the CI system's variables.
    branch: branch || env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || undefined,
    dirty: status === undefined ? undefined : status.length > 0,
  };
}
