import { execa } from 'execa';
import { ProofgateError } from '../errors.js';

/** Runs git in `cwd` and returns trimmed stdout; undefined when git exits non-zero or is not installed. */
export async function tryGit(args: readonly string[], cwd: string): Promise<string | undefined> {
  try {
    const result = await execa('git', args, { cwd, reject: false, stdin: 'ignore', env: { GIT_TERMINAL_PROMPT: '0' } });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Runs git and raises GIT_FAILED with git's own message when it fails. */
export async function git(args: readonly string[], cwd: string): Promise<string> {
  let result;
  try {
    result = await execa('git', args, { cwd, reject: false, stdin: 'ignore', env: { GIT_TERMINAL_PROMPT: '0' } });
  } catch (error) {
    throw new ProofgateError('GIT_FAILED', `could not run git: ${(error as Error).message}`, { cause: error });
  }

  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split('\n').slice(-3).join(' ');
    throw new ProofgateError('GIT_FAILED', `git ${args.join(' ')} failed: ${reason}`);
  }

  return result.stdout.trim();
}
