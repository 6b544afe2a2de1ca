import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

import { parse as parseYamlText } from 'yaml';

import { loadTrust, parseAllowedSigners, type TrustedKey } from '../bundle/trust.js';
import { toProjectPath } from '../config/files.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { ProofgateError } from '../errors.js';
import { git, tryGit } from '../git/git.js';
import { findWorkTreeRoot } from '../git/state.js';
import { defaultApprovalPolicy, parseApprovalPolicy, type ApprovalPolicy } from './policy.js';

/** The location of an allowed_signers file: the working tree, or a git ref. */
export interface TrustSource {
  /** Absolute path of the file in the working tree. */
  file: string;
  /**
   * A git ref (such as `origin/main`) to read the file from instead of the
   * working tree, so that a branch cannot trust a key it adds itself.
   */
  ref?: string;
}

export interface LoadedTrust {
  entries: TrustedKey[];
  /** The file, or `<ref>:<project path>` when read from git, for messages. */
  label: string;
}

/** The approval block of pipeline.yaml as it is at a git ref. */
export interface PolicyAtRef {
  /** False when the pipeline file does not exist at the ref (a new pipeline). */
  exists: boolean;
  /** Undefined when the file exists there without an `approval:` block. */
  policy?: ApprovalPolicy;
}

/**
 * Reads and parses the trust file from the working tree or, with `ref`, with
 * `git cat-file blob <ref>:<path>`. Throws ProofgateError('TRUST_INVALID')
 * when the ref or the file at the ref does not exist.
 */
export async function readTrust(source: TrustSource): Promise<LoadedTrust> {
  if (source.ref === undefined) {
    return { entries: await loadTrust(source.file), label: source.file };
  }

  const root = await requireGitRoot(existingAncestor(path.dirname(source.file)), source.ref);
  const projectPath = toProjectPath(root, realFolderPath(source.file));

  if (projectPath.startsWith('../') || path.isAbsolute(projectPath)) {
    throw new ProofgateError('TRUST_INVALID', `The trust file ${source.file} is outside the git repository ${root}, so it cannot be read from ${source.ref}. Keep it inside the repository.`);
  }

  const commit = await resolveCommit(root, source.ref);
  const label = `${source.ref}:${projectPath}`;
  const text = await readBlobAt(root, commit, projectPath);

  if (text === undefined) {
    throw new ProofgateError('TRUST_INVALID', `${source.ref} has no file ${projectPath}, so no key is trusted there. Commit the trust file to ${source.ref} first.`);
  }

  return { entries: parseAllowedSigners(text, label), label };
}

/**
 * Reads the `approval:` block of the pipeline file as it is at `ref`. The
 * policy then comes from the same place as the trust file, so a branch cannot
 * lower the number of approvals it needs.
 */
export async function readPolicyAtRef(pipeline: LoadedPipeline, ref: string): Promise<PolicyAtRef> {
  const commit = await resolveCommit(await requireGitRoot(pipeline.root, ref), ref);
  const text = await readBlobAt(pipeline.root, commit, pipeline.source.path);

  if (text === undefined) {
    return { exists: false };
  }

  const source = `${ref}:${pipeline.source.path}`;
  const document = parseDocumentAt(text, source);

  if (document.approval === undefined) {
    return { exists: true };
  }

  return { exists: true, policy: parseApprovalPolicy(document.approval, { root: pipeline.root, baseDir: pipeline.baseDir, source }) };
}

// git prints the real path of the work tree, so compare against the real
// path of the file's nearest existing folder (the file, and even its folder,
// may be absent from the working tree).
function realFolderPath(file: string): string {
  const folder = existingAncestor(path.dirname(file));

  return path.join(realpathSync(folder), path.relative(folder, file));
}

function existingAncestor(dir: string): string {
  let current = path.resolve(dir);

  while (!existsSync(current) && path.dirname(current) !== current) {
    current = path.dirname(current);
  }

  return current;
}

async function requireGitRoot(dir: string, ref: string): Promise<string> {
  const root = await findWorkTreeRoot(dir);

  if (root === undefined) {
    throw new ProofgateError('TRUST_INVALID', `--trust-ref ${ref} needs a git repository, but ${dir} is not inside one.`);
  }

  return root;
}

async function resolveCommit(root: string, ref: string): Promise<string> {
  const commit = ref.startsWith('-') ? undefined : await tryGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root);

  if (commit === undefined || commit === '') {
    throw new ProofgateError('TRUST_INVALID', `The git ref "${ref}" was not found. Fetch it first (for example \`git fetch origin main\`) or name an existing branch, tag or commit.`);
  }

  return commit;
}

async function readBlobAt(root: string, commit: string, projectPath: string): Promise<string | undefined> {
  const exists = await tryGit(['cat-file', '-e', `${commit}:${projectPath}`], root);

  return exists === undefined ? undefined : git(['cat-file', 'blob', `${commit}:${projectPath}`], root);
}

function parseDocumentAt(text: string, source: string): Record<string, unknown> {
  let document: unknown;

  try {
    document = parseYamlText(text, { version: '1.2', schema: 'core' });
  } catch (error) {
    throw new ProofgateError('CONFIG_INVALID', `${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }

  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ProofgateError('CONFIG_INVALID', `${source} does not contain a YAML mapping.`);
  }

  return document as Record<string, unknown>;
}

/** The approval policy and trust file that apply to a pipeline. */
export interface Governance {
  policy: ApprovalPolicy;
  trust: LoadedTrust;
  /** Sentences about where the rules came from, for the report. */
  notes: string[];
}

/**
 * Reads the approval policy and the trust file that apply to a pipeline:
 * from the working tree, or with `ref` both from that git ref. `trustFile`
 * (a --trust flag) overrides the policy's trust path. A pipeline file that
 * does not exist at the ref yet keeps its own policy but needs at least one
 * approval, since nothing on the base branch vouches for its rules.
 */
export async function readGovernance(pipeline: LoadedPipeline, options: { trustFile?: string; ref?: string }): Promise<Governance> {
  const local = pipeline.approval ?? defaultApprovalPolicy(pipeline.root);
  const notes: string[] = [];
  let policy = local;

  if (options.ref !== undefined) {
    const atRef = await readPolicyAtRef(pipeline, options.ref);

    if (atRef.exists) {
      policy = atRef.policy ?? defaultApprovalPolicy(pipeline.root);
      notes.push(`approval policy from ${options.ref}:${pipeline.source.path}`);
    } else {
      policy = { ...local, required: Math.max(local.required, 1) };
      notes.push(`${pipeline.source.path} does not exist at ${options.ref}, so its own approval policy applies with at least 1 approval`);
    }
  }

  const trust = await readTrust({ file: options.trustFile ?? policy.trust, ref: options.ref });

  notes.push(`trusted keys from ${options.ref === undefined ? toProjectPath(pipeline.root, trust.label) : trust.label}`);

  return { policy, trust, notes };
}
