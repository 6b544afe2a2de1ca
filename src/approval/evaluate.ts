import path from 'node:path';

import type { TrustedKey } from '../bundle/trust.js';
import type { EvaluatedBundle } from './evaluated.js';
import type { ApprovalPolicy } from './policy.js';
import type { ApprovalMethod } from './statement.js';
import { listApprovalFiles } from './store.js';
import { verifyApprovalFile, type VerifiedApproval } from './verify.js';

/** An approval that counted towards the policy. */
export interface Approver {
  principal: string;
  method: ApprovalMethod;
  keyid: string;
  /** Absolute path of the approval file. */
  file: string;
}

/** The result of counting a bundle's approvals against the policy. */
export interface ApprovalEvaluation {
  satisfied: boolean;
  /** Approvals needed; 0 when `when_changed` found no watched change since the baseline. */
  required: number;
  approvers: Approver[];
  /** One sentence per approval that did not count, and the shortfall when not satisfied. */
  problems: string[];
  /** The reason fewer approvals than `approval.required` were needed. */
  exemption?: string;
}

export interface EvaluateApprovalsOptions {
  /** Overrides `policy.required`, as `when_changed` does. */
  required?: number;
  exemption?: string;
  /** Verification time; default now. */
  at?: Date;
}

/**
 * Verifies every approval file beside the bundle and counts the valid ones,
 * each distinct principal once and each reviewer key once, against the
 * policy's required number.
 */
export async function evaluateApprovals(
  evaluation: EvaluatedBundle,
  policy: ApprovalPolicy,
  trust: TrustedKey[],
  options: EvaluateApprovalsOptions = {},
): Promise<ApprovalEvaluation> {
  const required = options.required ?? policy.required;
  const context = { evaluation, trust, accept: policy.accept, at: options.at ?? new Date() };
  const problems: string[] = [];
  const verified: VerifiedApproval[] = [];

  for (const file of await listApprovalFiles(evaluation.file)) {
    const outcome = await verifyApprovalFile(file, context);

    if (typeof outcome === 'string') {
      problems.push(`${path.basename(file)}: ${outcome}`);
    } else {
      verified.push(outcome);
    }
  }

  const approvers = countDistinct(verified, problems);

  if (approvers.length < required) {
    problems.push(`${approvers.length} of ${required} required ${required === 1 ? 'approval' : 'approvals'}${describeHow(policy)}`);
  }

  return {
    satisfied: approvers.length >= required,
    required,
    approvers,
    problems,
    ...(options.exemption === undefined ? {} : { exemption: options.exemption }),
  };
}

// A principal with two keys, or one key listed under two principals, still
// counts as one reviewer. Platform approvals share the CI key, so only their
// identity is compared.
function countDistinct(verified: VerifiedApproval[], problems: string[]): Approver[] {
  const identities = new Set<string>();
  const reviewerKeys = new Set<string>();
  const approvers: Approver[] = [];

  for (const approval of verified) {
    const name = path.basename(approval.file);

    if (identities.has(approval.identity)) {
      problems.push(`${name}: ${approval.principal} already counted once`);
      continue;
    }

    if (approval.method === 'signature' && reviewerKeys.has(approval.keyid)) {
      problems.push(`${name}: key ${approval.keyid} already counted for another principal`);
      continue;
    }

    identities.add(approval.identity);

    if (approval.method === 'signature') {
      reviewerKeys.add(approval.keyid);
    }

    approvers.push({ principal: approval.principal, method: approval.method, keyid: approval.keyid, file: approval.file });
  }

  return approvers;
}

function describeHow(policy: ApprovalPolicy): string {
  const methods = policy.accept.includes('platform') ? 'an SSH key, proofgate key or platform review' : 'an SSH key or proofgate key';

  return `; approve with \`proofgate approve BUNDLE\` using ${methods} trusted for proofgate-approval@v1`;
}
