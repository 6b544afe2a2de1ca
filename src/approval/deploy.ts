import path from 'node:path';

import type { TrustedKey } from '../bundle/trust.js';
import type { Approver, ApprovalEvaluation } from './evaluate.js';
import { readEvaluatedBundle } from './evaluated.js';
import { BundleHistory } from './history.js';
import type { ApprovalPolicy } from './policy.js';

/** Whether one bundle may be deployed, regardless of the working tree. */
export interface DeployCheck {
  ok: boolean;
  /** Absolute path of the bundle file. */
  file: string;
  pipeline?: string;
  version?: string;
  verdict?: string;
  /** Trusted signers of the evaluation. */
  signers: Array<{ keyid: string; principal: string }>;
  approval?: ApprovalEvaluation;
  approvers: Approver[];
  /** One sentence per reason the bundle may not be deployed. */
  problems: string[];
}

export interface DeployCheckOptions {
  /** Verification time; default now. */
  at?: Date;
  /** Reuse one history when checking several bundles of a folder, so each is judged once. */
  history?: BundleHistory;
}

/**
 * Checks a bundle for deployment without looking at the working tree: a
 * signature by a key trusted for proofgate-eval@v1, a passing verdict, and
 * the approvals `policy` requires (with `when_changed` judged against the
 * newest acceptable older bundle in the same folder). Rollback uses this for
 * the version it restores; `verify --pipeline --require-approval` adds the
 * working-tree check on top.
 */
export async function checkBundleForDeploy(
  bundleFile: string,
  policy: ApprovalPolicy,
  trust: TrustedKey[],
  options: DeployCheckOptions = {},
): Promise<DeployCheck> {
  const file = path.resolve(bundleFile);
  const history = options.history ?? (await openHistoryFor(file, policy, trust, options.at ?? new Date()));
  const status = await history.status(file);
  const predicate = status.evaluation?.predicate;

  return {
    ok: status.acceptable,
    file,
    pipeline: predicate?.pipeline?.name,
    version: predicate?.pipeline?.version,
    verdict: predicate?.verdict,
    signers: status.signers,
    ...(status.approval === undefined ? {} : { approval: status.approval }),
    approvers: status.approval?.approvers ?? [],
    problems: status.problems,
  };
}

/** Opens the history of the folder holding `bundleFile`, limited to that bundle's pipeline. */
export async function openHistoryFor(bundleFile: string, policy: ApprovalPolicy, trust: TrustedKey[], at: Date): Promise<BundleHistory> {
  const pipelineName = await readEvaluatedBundle(bundleFile).then(
    (evaluation) => evaluation.predicate.pipeline?.name,
    () => undefined,
  );

  return BundleHistory.open(path.dirname(path.resolve(bundleFile)), { trust, policy, at, pipelineName });
}
