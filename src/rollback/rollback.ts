import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalBytes, sha256Hex } from '../bundle/jcs.js';
import { loadSigningKey, sshFingerprint, type SigningKey } from '../bundle/keys.js';
import type { EvalPredicate, RestoredFile, RollbackPredicate } from '../bundle/statement.js';
import { detectCi } from '../ci/detect.js';
import { toProjectPath, type Material } from '../config/files.js';
import { loadPipeline } from '../config/load.js';
import { EXIT, ProofgateError, isProofgateError } from '../errors.js';
import { git, tryGit } from '../git/git.js';
import { findWorkTreeRoot, readGitState } from '../git/state.js';
import { chooseTarget, type ChosenTarget } from './choose.js';
import { commitFiles, formatCommitMessage } from './commit.js';
import { describeVersionDifference } from './compare.js';
import { buildRollbackStatement, writeRollbackRecord } from './record.js';
import { stageRecordedFiles } from './restore.js';
import { findStrayMaterials } from './strays.js';
import { parseTargetSpec } from './target.js';
import { applyTreeChange, type AppliedChange } from './write.js';

export interface RollbackOptions {
  /** Pipeline name: bundles are read from `proofs/<name>/` at the project root. */
  name: string;
  /** `previous`, a version digest or prefix, or a bundle path. */
  to: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  toolVersion: string;
  /** Commit the restored files and the record. */
  commit: boolean;
  /** Proceed although tracked files have uncommitted changes. */
  force: boolean;
  keyFile?: string;
  trustFile?: string;
  trustRef?: string;
}

export interface RollbackOutcome {
  /** `already-current`: the working tree already has the target version, so nothing was written. */
  status: 'rolled-back' | 'already-current';
  pipeline: string;
  /** Project path of the pipeline file. */
  pipelinePath: string;
  /** Absolute path of the pipeline file. */
  pipelineFile: string;
  from: string | null;
  to: string;
  /** Absolute path of the target bundle. */
  target: string;
  signers: string[];
  approvers: string[];
  restored: RestoredFile[];
  /** Project paths whose bytes changed. */
  written: string[];
  removed: string[];
  /** Absolute path of the rollback record. */
  record?: string;
  /** Fingerprint of the key that signed the record; absent when it is unsigned. */
  keyid?: string;
  commit?: string;
  /** False when the target's recorded pipeline has no `approval:` block. */
  approvalRequired: boolean;
  /** Conditions that did not stop the rollback but will fail a later check. */
  warnings: string[];
}

const PIPELINE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Restores an earlier version of a pipeline from git and records it. The
 * target bundle must carry a trusted signature, a passing verdict and the
 * approvals its pipeline requires. Every file is read from git by blob id
 * (the recorded commit is the fallback) and checked against its sha256
 * before anything is written, and the restored tree must load to exactly the
 * target version, else every change is undone. Then a signed rollback record
 * is written and, with `commit`, committed with the files.
 */
export async function rollbackPipeline(options: RollbackOptions): Promise<RollbackOutcome> {
  try {
    return await rollbackOrThrow(options);
  } catch (error) {
    // Rollback exits with 0, 1 or 2 only, so a failed git command counts as a failed rollback (1).
    if (isProofgateError(error) && error.code === 'GIT_FAILED' && error.exitCode !== EXIT.gateFailed) {
      throw new ProofgateError('GIT_FAILED', error.message, { cause: error, details: error.details, exitCode: EXIT.gateFailed });
    }

    throw error;
  }
}

async function rollbackOrThrow(options: RollbackOptions): Promise<RollbackOutcome> {
  const root = await prepare(options);
  const key = await loadSigningKey({ keyFile: options.keyFile, env: options.env });
  const spec = parseTargetSpec(options.to, options.cwd);

  await assertCleanTree(root, options.force);

  const chosen = await chooseTarget(spec, {
    name: options.name,
    dir: path.join(root, 'proofs', options.name),
    currentVersion: (pipelinePath) => currentVersion(root, pipelinePath),
    context: {
      root,
      ...(options.trustFile === undefined ? {} : { trustFile: path.resolve(options.cwd, options.trustFile) }),
      ...(options.trustRef === undefined ? {} : { trustRef: options.trustRef }),
      at: new Date(),
    },
  });

  const predicate = chosen.candidate.bundle.statement.predicate as unknown as EvalPredicate;
  const from = await currentVersion(root, predicate.pipeline.path);

  if (from === chosen.candidate.version) {
    return describeOutcome('already-current', root, chosen, from, { restored: [], written: [], removed: [], warnings: [] });
  }

  return restoreTarget(root, chosen, from, key, options);
}

async function prepare(options: RollbackOptions): Promise<string> {
  if (!PIPELINE_NAME.test(options.name)) {
    throw new ProofgateError('USAGE', `"${options.name}" is not a valid pipeline name. Use the name: value of pipeline.yaml, which is also the folder name under proofs/.`);
  }

  const root = await findWorkTreeRoot(options.cwd);

  if (root === undefined) {
    throw new ProofgateError('USAGE', `${options.cwd} is not inside a git work tree. Rollback restores files from git, so run it inside the repository.`);
  }

  return root;
}

async function assertCleanTree(root: string, force: boolean): Promise<void> {
  const status = await git(['status', '--porcelain', '--untracked-files=no'], root);

  if (status === '' || force) {
    return;
  }

  // git() trims its output, which also drops the leading space of the first status line.
  const changed = status.split('\n').map((line) => line.replace(/^[ MADRCUT]{1,2} /, ''));

  const count = changed.length === 1 ? '1 tracked file' : `${changed.length} tracked files`;

  throw new ProofgateError('WORKTREE_DIRTY', `the working tree has uncommitted changes to ${count}, so nothing was changed. Commit or stash them, or pass --force.`, {
    details: changed.slice(0, 10),
  });
}

// Null when the pipeline file is missing or does not load (the reason to roll back, perhaps).
async function currentVersion(root: string, pipelinePath: string): Promise<string | null> {
  try {
    return (await loadPipeline(path.join(root, pipelinePath), root)).version;
  } catch (error) {
    if (isProofgateError(error)) return null;
    throw error;
  }
}

async function restoreTarget(
  root: string,
  chosen: ChosenTarget,
  from: string | null,
  key: SigningKey | undefined,
  options: RollbackOptions,
): Promise<RollbackOutcome> {
  const predicate = chosen.candidate.bundle.statement.predicate as unknown as EvalPredicate;
  const recorded = recordedFiles(predicate);
  const staged = await stageRecordedFiles(root, recorded, predicate.git?.commit);
  const strays = await findStrayMaterials(root, predicate.pipeline.path, predicate.pipeline.config, new Set(recorded.map((file) => file.path)));

  if (strays.blocked.length > 0) {
    throw new ProofgateError('VERIFY_FAILED', 'files in the working tree match the restored materials globs but were not materials of the target version, so nothing was changed. Move them out of the globbed folders and run again.', {
      details: strays.blocked.map((stray) => `${stray.path}: ${stray.reason}`),
    });
  }

  const warnings = await findWarnings(root, chosen, predicate);
  const applied = await applyTreeChange(root, { write: staged, remove: strays.removable });

  await confirmVersion(root, chosen.candidate.version, predicate, applied);

  const rollback = await buildPredicate(root, chosen, from, staged, applied.removed, options);
  const record = await writeRecordOrUndo(root, rollback, key, applied);
  const outcome = describeOutcome('rolled-back', root, chosen, from, { restored: rollback.restored, written: applied.written, removed: applied.removed, warnings });

  outcome.record = record;
  outcome.keyid = key === undefined ? undefined : sshFingerprint(key.publicKey);

  if (options.commit) {
    outcome.commit = await commitRollback(root, rollback, record, staged, applied);
  }

  return outcome;
}

// A rollback without its record would be missing from the audit trail, so the files go back.
async function writeRecordOrUndo(root: string, rollback: RollbackPredicate, key: SigningKey | undefined, applied: AppliedChange): Promise<string> {
  try {
    return await writeRollbackRecord(path.join(root, 'proofs'), buildRollbackStatement(rollback), key);
  } catch (error) {
    await applied.undo();
    throw error;
  }
}

// The pipeline file first, then the materials; a pipeline file matched by a
// `materials:` glob is recorded in both places but restored once.
function recordedFiles(predicate: EvalPredicate): Material[] {
  const { path: file, sha256, gitBlob } = predicate.pipeline;
  const materials = predicate.materials.filter((material) => material.path !== file);

  return [{ path: file, sha256, gitBlob }, ...materials];
}

async function confirmVersion(root: string, version: string, predicate: EvalPredicate, applied: AppliedChange): Promise<void> {
  let problem: ProofgateError | undefined;

  try {
    const loaded = await loadPipeline(path.join(root, predicate.pipeline.path), root);

    if (loaded.version !== version) {
      problem = new ProofgateError('VERIFY_FAILED', `the restored files load as version ${loaded.version.slice(0, 12)}, not ${version.slice(0, 12)}, so every change was undone`, {
        details: describeVersionDifference(loaded, predicate),
      });
    }
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    problem = new ProofgateError('VERIFY_FAILED', `the restored ${predicate.pipeline.path} does not load, so every change was undone: ${error.message}`, {
      details: error.details,
    });
  }

  if (problem !== undefined) {
    await applied.undo();
    throw problem;
  }
}

async function findWarnings(root: string, chosen: ChosenTarget, predicate: EvalPredicate): Promise<string[]> {
  const warnings: string[] = [];
  const targetFolder = path.relative(path.join(root, 'proofs', predicate.pipeline.name), chosen.candidate.file);

  if (targetFolder.startsWith('..') || path.isAbsolute(targetFolder) || targetFolder.includes(path.sep)) {
    warnings.push(`the target bundle is not in proofs/${predicate.pipeline.name}/, so \`proofgate verify --pipeline\` will not find it; copy it there`);
  }

  if (!chosen.check.approvalRequired && chosen.check.approvers.length === 0) {
    warnings.push('the target version has no approval: block and no approvals, so `proofgate verify --require-approval` (which then requires one approval) will reject it until someone approves its bundle');
  }

  const dataset = predicate.dataset;
  const datasetHash = dataset === undefined ? undefined : await sha256OfFile(path.join(root, dataset.path));

  if (dataset !== undefined && datasetHash !== dataset.sha256) {
    const change = datasetHash === undefined ? 'is missing' : 'changed';

    warnings.push(`dataset ${dataset.path} ${change} since the target bundle was written, so \`proofgate verify\` will reject the restored version until it is run again`);
  }

  return warnings;
}

async function buildPredicate(
  root: string,
  chosen: ChosenTarget,
  from: string | null,
  staged: readonly RestoredFile[],
  removed: string[],
  options: RollbackOptions,
): Promise<RollbackPredicate> {
  const { candidate, check } = chosen;
  const [state, email] = await Promise.all([readGitState(root, options.env), tryGit(['config', 'user.email'], root)]);
  const predicate = candidate.bundle.statement.predicate as unknown as EvalPredicate;

  return {
    pipeline: { name: predicate.pipeline.name, path: predicate.pipeline.path },
    from: { version: from },
    to: { version: candidate.version },
    target: {
      path: toProjectPath(root, candidate.file),
      statementSha256: sha256Hex(canonicalBytes(candidate.bundle.statement)),
      fileSha256: sha256Hex(await readFile(candidate.file)),
      signers: check.signers,
      approvers: check.approvers,
    },
    restored: staged.map(({ path: file, sha256, gitBlob, source }) => ({ path: file, sha256, gitBlob, source })).sort(byPath),
    removed,
    by: email || null,
    at: new Date().toISOString(),
    git: { commitBefore: state.commit ?? null, ...(state.branch === undefined ? {} : { branch: state.branch }) },
    ci: detectCi(options.env),
    tool: { name: 'proofgate', version: options.toolVersion },
  };
}

async function commitRollback(
  root: string,
  rollback: RollbackPredicate,
  record: string,
  staged: readonly RestoredFile[],
  applied: AppliedChange,
): Promise<string> {
  const recordPath = toProjectPath(root, record);
  const files = [...staged.map((file) => file.path), ...applied.removed, recordPath];

  try {
    return await commitFiles(root, files, formatCommitMessage(rollback, recordPath, [...applied.written, ...applied.removed]));
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    throw new ProofgateError('GIT_FAILED', `the files are restored and the record is written, but the commit failed, so commit them yourself: ${error.message}`, {
      cause: error,
      exitCode: EXIT.gateFailed,
      details: files,
    });
  }
}

function describeOutcome(
  status: RollbackOutcome['status'],
  root: string,
  chosen: ChosenTarget,
  from: string | null,
  changes: Pick<RollbackOutcome, 'restored' | 'written' | 'removed' | 'warnings'>,
): RollbackOutcome {
  const predicate = chosen.candidate.bundle.statement.predicate as unknown as EvalPredicate;

  return {
    status,
    pipeline: predicate.pipeline.name,
    pipelinePath: predicate.pipeline.path,
    pipelineFile: path.join(root, predicate.pipeline.path),
    from,
    to: chosen.candidate.version,
    target: chosen.candidate.file,
    signers: chosen.check.signers,
    approvers: chosen.check.approvers,
    approvalRequired: chosen.check.approvalRequired,
    ...changes,
  };
}

function byPath(left: { path: string }, right: { path: string }): number {
  if (left.path === right.path) return 0;
  return left.path < right.path ? -1 : 1;
}

// Undefined when the file is missing or unreadable.
function sha256OfFile(file: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');

    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', () => resolve(undefined))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
