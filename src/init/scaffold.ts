import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProofgateError } from '../errors.js';
import { starterFiles, type StarterFile } from './starter.js';
import { WORKFLOW_FILES } from './workflows.js';

/** pipeline.yaml's `name:` rule, as the schema states it. */
const PIPELINE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const FALLBACK_NAME = 'pipeline';

// dist/init/ and src/init/ both sit two levels below the package root.
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ScaffoldOptions {
  /** Pipeline name; default derived from the folder name. */
  name?: string;
  /** proofgate's version, pinned in the CI files. */
  toolVersion: string;
  /** Folder holding templates/github and templates/gitlab; default the installed package's. */
  packageRoot?: string;
}

export interface ScaffoldResult {
  name: string;
  /** Paths relative to the project folder, in the order written. */
  written: string[];
  /** Paths that already existed and were left as they were. */
  skipped: string[];
}

/**
 * Writes a starter project into `dir`: pipeline.yaml, a stub program, a
 * golden dataset, the trust file and CI files for GitHub Actions and GitLab.
 * A path that already exists is skipped and never overwritten, so running it
 * twice changes nothing. Throws USAGE for an invalid name or a file that
 * cannot be created.
 */
export async function scaffoldProject(dir: string, options: ScaffoldOptions): Promise<ScaffoldResult> {
  const name = options.name ?? pipelineNameFor(dir);
  if (!PIPELINE_NAME.test(name)) {
    throw new ProofgateError('USAGE', `--name "${name}" is not a valid pipeline name: use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters`);
  }

  const files = [...starterFiles(name), ...(await workflowFiles(options.toolVersion, options.packageRoot ?? PACKAGE_ROOT))];
  const result: ScaffoldResult = { name, written: [], skipped: [] };

  for (const file of files) {
    const created = await createFile(dir, file);
    (created ? result.written : result.skipped).push(file.path);
  }

  return result;
}

/**
 * Turns a folder's name into a pipeline name: accents dropped, lower case,
 * other characters as "-", at most 64; "pipeline" when nothing is left.
 */
export function pipelineNameFor(dir: string): string {
  const name = path
    .basename(path.resolve(dir))
    .normalize('NFKD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64)
    .replace(/[-._]+$/, '');

  return PIPELINE_NAME.test(name) ? name : FALLBACK_NAME;
}

// The package's own templates, when installed with it, win over the built-in
// copies, so the CI files that init writes and the documented ones agree.
async function workflowFiles(version: string, packageRoot: string): Promise<StarterFile[]> {
  return Promise.all(
    WORKFLOW_FILES.map(async (entry) => {
      const template = await readFile(path.join(packageRoot, entry.template), 'utf8').catch(() => undefined);
      return { path: entry.path, content: template ?? entry.builtin(version) };
    }),
  );
}

/** Creates the file unless the path exists; returns whether it was created. */
async function createFile(dir: string, file: StarterFile): Promise<boolean> {
  const target = path.join(dir, file.path);

  try {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content, { flag: 'wx' });
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new ProofgateError('USAGE', `cannot create ${file.path} (${code ?? String(error)}); check that the folder is writable`, { cause: error });
  }
}
