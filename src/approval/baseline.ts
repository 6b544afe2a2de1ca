import { existsSync } from 'node:fs';
import path from 'node:path';

import type { EvalPredicate } from '../bundle/statement.js';
import type { BundleFile } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { ProofgateError } from '../errors.js';
import type { Approver } from './evaluate.js';
import { BundleHistory, type BundleStatus } from './history.js';
import type { ApprovalPolicy } from './policy.js';

/** The bundle that relative gates and comparisons measure a run against. */
export interface Baseline {
  /** Absolute path of the bundle file. */
  file: string;
  bundle: BundleFile;
  /** sha256 hex of the statement's JCS bytes. */
  statementDigest: string;
  predicate: EvalPredicate;
  /** Approvals that counted; empty when the pipeline has no approval policy or when_changed waived it. */
  approvers: Approver[];
}

export interface BaselineOptions {
  /** `auto`, `none`, the path of a bundle file, or a version digest (at least 7 hex digits). */
  mode: string;
  trust: TrustedKey[];
  /** Resolves a relative bundle path; default process.cwd(). */
  cwd?: string;
  /** Folder holding the `<name>/` bundle folders; default `proofs/` at the project root. */
  proofsDir?: string;
  /** Default: the pipeline's `approval:` block. Without one, passing and signed is enough. */
  policy?: ApprovalPolicy;
  /** Verification time; default now. */
  at?: Date;
}

const VERSION_TEXT = /^(?:sha256:)?([0-9a-f]{7,64})$/;

// Bundle names carry the first 12 hex digits of the version.
const NAME_DIGITS = 12;

/**
 * Selects the baseline: the newest bundle of the same pipeline with a trusted
 * signature, a passing verdict and, when the pipeline has an approval policy,
 * enough approvals. `auto` returns undefined when no bundle qualifies, and
 * `none` always does. A bundle named by path or version that fails any check
 * is ProofgateError('BUNDLE_INVALID') (exit 2) listing the reasons.
 */
export async function findBaseline(pipeline: LoadedPipeline, options: BaselineOptions): Promise<Baseline | undefined> {
  if (options.mode === 'none') {
    return undefined;
  }

  const cwd = options.cwd ?? process.cwd();
  const dir = path.join(options.proofsDir === undefined ? path.join(pipeline.root, 'proofs') : path.resolve(cwd, options.proofsDir), pipeline.name);
  const historyOptions = { trust: options.trust, at: options.at ?? new Date(), pipelineName: pipeline.name, policy: options.policy ?? pipeline.approval };
  const openHistory = (folder: string) => BundleHistory.open(folder, historyOptions);

  if (options.mode === 'auto') {
    return toBaseline(await (await openHistory(dir)).newestAcceptable());
  }

  const version = VERSION_TEXT.exec(options.mode.toLowerCase());
  const bundlePath = path.resolve(cwd, options.mode);

  if (version !== null && !existsSync(bundlePath)) {
    return toBaseline(await findByVersion(await openHistory(dir), version[1] ?? '', options.mode));
  }

  if (!existsSync(bundlePath)) {
    throw new ProofgateError('USAGE', `--baseline ${options.mode}: no such bundle file, and it is not a version digest. Pass auto, none, a bundle path or a version (at least 7 hex digits).`);
  }

  const history = await openHistory(path.dirname(bundlePath));

  return toBaseline(requireAcceptable(await history.status(bundlePath), options.mode));
}

async function findByVersion(history: BundleHistory, prefix: string, mode: string): Promise<BundleStatus> {
  const named = history.files.filter((file) => nameDigits(file).startsWith(prefix.slice(0, NAME_DIGITS))).reverse();
  const statuses = await Promise.all(named.map((file) => history.status(file)));
  const matching = statuses.filter((status) => status.evaluation?.predicate.pipeline.version.startsWith(prefix));
  const versions = new Set(matching.map((status) => status.evaluation?.predicate.pipeline.version));

  if (matching.length === 0) {
    throw new ProofgateError('USAGE', `--baseline ${mode}: no bundle of this pipeline tested a version starting with ${prefix}.`);
  }

  if (versions.size > 1) {
    throw new ProofgateError('USAGE', `--baseline ${mode}: ${versions.size} versions start with ${prefix}; give more digits.`);
  }

  const acceptable = matching.find((status) => status.acceptable);

  return acceptable ?? requireAcceptable(matching[0] as BundleStatus, mode);
}

function requireAcceptable(status: BundleStatus, mode: string): BundleStatus {
  if (status.acceptable) {
    return status;
  }

  const name = path.basename(status.file);

  throw new ProofgateError('BUNDLE_INVALID', `--baseline ${mode}: ${name} cannot be the baseline: ${status.problems[0] ?? 'it has no trusted signature'}`, {
    details: status.problems.slice(1),
  });
}

function toBaseline(status: BundleStatus | undefined): Baseline | undefined {
  if (status?.evaluation === undefined) {
    return undefined;
  }

  const { file, bundle, digest, predicate } = status.evaluation;

  return { file, bundle, statementDigest: digest, predicate, approvers: status.approval?.approvers ?? [] };
}

function nameDigits(file: string): string {
  return /-([0-9a-f]{12})(?:-\d+)?\.json$/.exec(path.basename(file))?.[1] ?? '';
}

