import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLE_FILE_PATTERN } from '../../src/bundle/store.js';

/** A throwaway project folder built from an inline file tree. */
export interface TempProject {
  dir: string;
  write(relative: string, content: string): string;
  path(relative: string): string;
  /** Bundle files under proofs/<name>/, oldest first (approval files and other records left out). */
  bundles(name: string): string[];
  remove(): void;
}

export function createProject(files: Record<string, string> = {}, options: { git?: boolean } = {}): TempProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-test-'));
  const project: TempProject = {
    dir,
    write(relative, content) {
      const file = path.join(dir, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    path: (relative) => path.join(dir, relative),
    bundles(name) {
      const folder = path.join(dir, 'proofs', name);
      try {
        return readdirSync(folder).filter((file) => BUNDLE_FILE_PATTERN.test(file)).sort(byWriteOrder).map((file) => path.join(folder, file));
      } catch {
        return [];
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };

  for (const [relative, content] of Object.entries(files)) project.write(relative, content);
  if (options.git) initGit(dir);
  return project;
}

/** Makes `dir` a git repository with one commit of everything in it. */
export function initGit(dir: string): void {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'proofgate test');
  git('config', 'commit.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial', '--allow-empty');
}

// Two bundles written in the same second get "-1", "-2" suffixes, which plain string order puts first.
function byWriteOrder(left: string, right: string): number {
  const parse = (name: string) => /^(.*-[0-9a-f]{12})(?:-(\d+))?\.json$/.exec(name)?.slice(1) ?? [name, '0'];
  const [leftBase = '', leftCount = '0'] = parse(left);
  const [rightBase = '', rightCount = '0'] = parse(right);
  if (leftBase !== rightBase) return leftBase < rightBase ? -1 : 1;
  return Number(leftCount) - Number(rightCount);
}
