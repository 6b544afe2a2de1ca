import path from 'node:path';
import { checkBundleForDeploy } from '../approval/deploy.js';
import { defaultApprovalPolicy, parseApprovalPolicy, type ApprovalPolicy } from '../approval/policy.js';
import { readTrust, type LoadedTrust } from '../approval/trust-source.js';
import type { EvalPredicate } from '../bundle/statement.js';
import type { Material } from '../config/files.js';
import { isProofgateError } from '../errors.js';
import type { Candidate } from './target.js';

/** Whether a candidate bundle may be rolled back to, and who vouched for it. */
export interface TargetCheck {
  ok: boolean;
  /** One sentence per reason the candidate is rejected. */
  problems: string[];
  /** Principals of the trusted signatures. */
  signers: string[];
  /** Principals whose approvals counted. */
  approvers: string[];
  /** False when the recorded pipeline has no `approval:` block, so no approval was required. */
  approvalRequired: boolean;
}

export interface CheckContext {
  root: string;
  /** Absolute path of the allowed_signers file from `--trust`; default: the policy's `trust:`. */
  trustFile?: string;
  /** Git reference to read the trust file at (`--trust-ref`). */
  trustRef?: string;
  at: Date;
  /** Trust files already read, by label, so each is parsed once per rollback. */
  trustCache?: Map<string, Promise<LoadedTrust>>;
}

/**
 * Checks a candidate the way the deploy gate will check it once its files
 * are back. It needs a trusted signature over the exact statement and no
 * signature that fails, a passing verdict, and the approvals that the
 * `approval:` block of its recorded config requires (none without a block).
 * Its record must also name every file to restore. A trust file that cannot
 * be read raises TRUST_INVALID, because that is not about this candidate.
 */
export async function checkCandidate(candidate: Candidate, context: CheckContext): Promise<TargetCheck> {
  const predicate = candidate.bundle.statement.predicate as unknown as EvalPredicate;
  const policy = readRecordedPolicy(predicate, context.root);

  if (typeof policy === 'string') {
    return { ok: false, problems: [policy], signers: [], approvers: [], approvalRequired: true };
  }

  const trust = await loadTrust(context, policy.trust);
  const deploy = await checkBundleForDeploy(candidate.file, policy, trust.entries, { at: context.at });
  const problems = [...deploy.problems, ...(deploy.problems.length === 0 ? findRecordProblems(predicate, candidate.version) : [])];

  if (!deploy.ok && problems.length === 0) {
    problems.push('the bundle is not acceptable for deployment');
  }

  return {
    ok: deploy.ok && problems.length === 0,
    problems,
    signers: [...new Set(deploy.signers.map((signer) => signer.principal))],
    approvers: deploy.approvers.map((approver) => approver.principal),
    approvalRequired: policy.declared,
  };
}

/** Lists what a predicate lacks for its files to be restored and checked. */
export function findRecordProblems(predicate: EvalPredicate, version: string): string[] {
  const problems: string[] = [];
  const pipeline = predicate.pipeline as Partial<EvalPredicate['pipeline']> | undefined;

  if (pipeline?.version !== version) {
    problems.push('the subject digest does not match the recorded pipeline version');
  }

  if (!isMaterial(pipeline)) {
    problems.push('the bundle does not record the pipeline file\'s path, sha256 and git blob id');
  }

  if (typeof pipeline?.config !== 'object' || pipeline.config === null) {
    problems.push('the bundle does not record the pipeline config');
  }

  if (!Array.isArray(predicate.materials) || !predicate.materials.every(isMaterial)) {
    problems.push('the bundle does not record the path, sha256 and git blob id of every material');
  }

  return problems;
}

// A recorded config without an `approval:` block needs a trusted signature
// and a passing verdict only: required 0 still lists valid approvals.
function readRecordedPolicy(predicate: EvalPredicate, root: string): ApprovalPolicy | string {
  const config = predicate.pipeline?.config;
  const pipelinePath = typeof predicate.pipeline?.path === 'string' ? predicate.pipeline.path : '.';
  const baseDir = path.dirname(path.join(root, pipelinePath));

  if (config?.approval === undefined) {
    return { ...defaultApprovalPolicy(root), required: 0 };
  }

  try {
    return parseApprovalPolicy(config.approval, { root, baseDir, source: 'the recorded pipeline config' });
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    return error.message;
  }
}

function loadTrust(context: CheckContext, policyTrust: string): Promise<LoadedTrust> {
  const file = context.trustFile ?? policyTrust;
  const key = `${context.trustRef ?? ''}:${file}`;
  const cache = context.trustCache ?? new Map<string, Promise<LoadedTrust>>();
  let trust = cache.get(key);

  if (trust === undefined) {
    trust = readTrust({ file, ...(context.trustRef === undefined ? {} : { ref: context.trustRef }) });
    cache.set(key, trust);
  }

  context.trustCache = cache;

  return trust;
}

function isMaterial(value: unknown): value is Material {
  const material = value as Partial<Material> | undefined;

  return typeof material?.path === 'string' && typeof material.sha256 === 'string' && typeof material.gitBlob === 'string';
}
