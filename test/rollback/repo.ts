import { execFileSync } from 'node:child_process';
import { createProject, type TempProject } from '../helpers/project.js';

/** Runs git in `dir` and returns its trimmed stdout; throws when git fails. */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Creates a git repository holding `files` in one commit. */
export function createRepo(files: Record<string, string>): TempProject {
  return createProject(files, { git: true });
}

/** Writes `files` and commits them; returns the new commit id. */
export function commitFiles(project: TempProject, files: Record<string, string>, message: string): string {
  for (const [file, content] of Object.entries(files)) project.write(file, content);
  gitIn(project.dir, 'add', '-A');
  gitIn(project.dir, 'commit', '-q', '-m', message);
  return gitIn(project.dir, 'rev-parse', 'HEAD');
}
