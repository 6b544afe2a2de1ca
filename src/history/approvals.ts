// Approvals of bundles in the history, verified through the approvals module.

import path from 'node:path';

import { canonicalBytes, sha256Hex } from '../bundle/jcs.js';
import type { EvalPredicate } from '../bundle/statement.js';
import type { BundleFile } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { evaluateApprovals } from '../approval/evaluate.js';
import { defaultApprovalPolicy, parseApprovalPolicy, type ApprovalPolicy } from '../approval/policy.js';
import type { ApprovalMethod } from '../approval/statement.js';
import { readApprovalFile } from '../approval/store.js';
import { isProofgateError } from '../errors.js';

/** The approvals of one bundle that verified, and why others did not count. */
export interface ApprovalSummary {
  /** Approvals the bundle's own `approval:` block asked for; 0 without one. */
  required: number;
  satisfied: boolean;
  approvers: Array<{ principal: string; method: ApprovalMethod; keyid: string; approvedAt: string | null; file: string }>;
  problems: string[];
}

/**
 * Verifies the approval files beside a bundle against `trust`, with the
 * approval rules recorded in the bundle's own config (which methods count,
 * how many are required).
 *
 * NOTE: `when_changed` exemptions are not applied here, so a bundle that
 * needed no approval because nothing watched changed still shows the
 * shortfall; `verify --require-approval` applies them.
 */
export async function summarizeApprovals(file: string, bundle: BundleFile, trust: TrustedKey[], root: string, at: Date): Promise<ApprovalSummary> {
  const predicate = bundle.statement.predicate as unknown as EvalPredicate;
  const payload = canonicalBytes(bundle.statement);
  const evaluation = { file, bundle, payload, digest: sha256Hex(payload), predicate };

  const { policy, problem } = recordedPolicy(predicate, root);
  const required = policy.declared ? policy.required : 0;
  const result = await evaluateApprovals(evaluation, policy, trust, { at, required });

  const approvers = await Promise.all(
    result.approvers.map(async (approver) => ({
      principal: approver.principal,
      method: approver.method,
      keyid: approver.keyid,
      approvedAt: await approvalTime(approver.file),
      file: path.relative(root, approver.file).split(path.sep).join('/'),
    })),
  );

  return { required, satisfied: result.satisfied, approvers, problems: problem === undefined ? result.problems : [problem, ...result.problems] };
}

function recordedPolicy(predicate: EvalPredicate, root: string): { policy: ApprovalPolicy; problem?: string } {
  const block = predicate.pipeline?.config?.approval;
  if (block === undefined) return { policy: defaultApprovalPolicy(root) };

  const baseDir = path.dirname(path.resolve(root, predicate.pipeline.path ?? '.'));
  try {
    return { policy: parseApprovalPolicy(block, { root, baseDir, source: predicate.pipeline.path }) };
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    return { policy: defaultApprovalPolicy(root), problem: `the recorded approval rules are invalid (${error.message}); the defaults were applied` };
  }
}

async function approvalTime(file: string): Promise<string | null> {
  try {
    const approval = await readApprovalFile(file);
    const approvedAt = approval.statement.predicate.approvedAt;
    return typeof approvedAt === 'string' ? approvedAt : null;
  } catch {
    return null;
  }
}
