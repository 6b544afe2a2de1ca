import path from 'node:path';

import { listBundleFiles, verifyBundleSignatures } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { isProofgateError } from '../errors.js';
import { findWatchedChanges, type ConfigSnapshot } from './changes.js';
import { readEvaluatedBundle, type EvaluatedBundle } from './evaluated.js';
import { evaluateApprovals, type ApprovalEvaluation } from './evaluate.js';
import type { ApprovalPolicy } from './policy.js';

/** The outcome of the governance checks for one bundle of a pipeline. */
export interface BundleStatus {
  /** Absolute path of the bundle file. */
  file: string;
  evaluation?: EvaluatedBundle;
  /** Trusted signers of the evaluation. */
  signers: Array<{ keyid: string; principal: string }>;
  /** Present when approvals were enforced and the bundle got that far. */
  approval?: ApprovalEvaluation;
  /** Signed by a trusted key, passing and, when approvals are enforced, approved. */
  acceptable: boolean;
  /** One sentence per reason the bundle is not acceptable. */
  problems: string[];
}

export interface HistoryOptions {
  trust: TrustedKey[];
  /** The approval rules to enforce; without them a trusted signature and a passing verdict are enough. */
  policy?: ApprovalPolicy;
  /** Verification time for signatures, approvals and key validity windows. */
  at: Date;
  /** The pipeline the bundles must belong to; undefined accepts any. */
  pipelineName?: string;
}

/**
 * The bundles in one `proofs/<name>/` folder. Each judgement is cached, so a
 * bundle is judged at most once per instance. With `when_changed`, a bundle's
 * approval depends on its baseline, the newest acceptable older bundle, and
 * the class finds it by judging older bundles, newest first.
 */
export class BundleHistory {
  private readonly statuses = new Map<string, Promise<BundleStatus>>();

  private constructor(
    /** Bundle files, oldest first. */
    readonly files: string[],
    private readonly options: HistoryOptions,
  ) {}

  /** Lists the bundles in `dir`; a missing folder is an empty history. */
  static async open(dir: string, options: HistoryOptions): Promise<BundleHistory> {
    return new BundleHistory(await listBundleFiles(dir), options);
  }

  /** Judges one bundle file (it need not be in the listing). */
  status(file: string): Promise<BundleStatus> {
    const absolute = path.resolve(file);
    let status = this.statuses.get(absolute);

    if (status === undefined) {
      status = this.judge(absolute);
      this.statuses.set(absolute, status);
    }

    return status;
  }

  /** Finds the newest acceptable bundle, only among those older than `before` when given. */
  async newestAcceptable(before?: string): Promise<BundleStatus | undefined> {
    for (const file of this.olderThan(before).reverse()) {
      const status = await this.status(file);

      if (status.acceptable) {
        return status;
      }
    }

    return undefined;
  }

  private olderThan(before: string | undefined): string[] {
    if (before === undefined) {
      return [...this.files];
    }

    const absolute = path.resolve(before);
    const index = this.files.indexOf(absolute);

    // A file outside the listing sorts by name, like the listing itself.
    return index >= 0 ? this.files.slice(0, index) : this.files.filter((file) => path.basename(file) < path.basename(absolute));
  }

  private async judge(file: string): Promise<BundleStatus> {
    let evaluation: EvaluatedBundle;

    try {
      evaluation = await readEvaluatedBundle(file);
    } catch (error) {
      if (!isProofgateError(error)) throw error;
      return { file, signers: [], acceptable: false, problems: [error.message] };
    }

    const { trusted, problems } = verifyBundleSignatures(evaluation.bundle, this.options.trust, this.options.at);

    problems.push(...findEvaluationProblems(evaluation, this.options.pipelineName));

    const { policy } = this.options;

    if (problems.length > 0 || trusted.length === 0 || policy === undefined) {
      return { file, evaluation, signers: trusted, acceptable: problems.length === 0 && trusted.length > 0, problems };
    }

    const approval = await this.judgeApprovals(evaluation, policy);

    return { file, evaluation, signers: trusted, approval, acceptable: approval.satisfied, problems: approval.satisfied ? [] : approval.problems };
  }

  /**
   * Counts approvals; when too few and `when_changed` is set, compares with
   * the baseline and waives the requirement if no watched path changed.
   * Without a baseline a change always needs approval.
   */
  private async judgeApprovals(evaluation: EvaluatedBundle, policy: ApprovalPolicy): Promise<ApprovalEvaluation> {
    const { trust, at } = this.options;
    const counted = await evaluateApprovals(evaluation, policy, trust, { at });

    if (counted.satisfied || policy.whenChanged.length === 0) {
      return counted;
    }

    const baseline = await this.newestAcceptable(evaluation.file);

    if (baseline?.evaluation === undefined) {
      return { ...counted, problems: [...counted.problems, 'approval is needed because there is no earlier approved bundle to compare when_changed with'] };
    }

    const changes = findWatchedChanges(policy.whenChanged, snapshotOf(evaluation), snapshotOf(baseline.evaluation));
    const baselineName = path.basename(baseline.file);

    if (changes.length > 0) {
      return { ...counted, problems: [...counted.problems, `approval is needed because, since baseline ${baselineName}, ${changes.join('; ')}`] };
    }

    return evaluateApprovals(evaluation, policy, trust, {
      at,
      required: 0,
      exemption: `no path in when_changed differs from baseline ${baselineName}`,
    });
  }
}

function findEvaluationProblems(evaluation: EvaluatedBundle, pipelineName: string | undefined): string[] {
  const { predicate } = evaluation;
  const problems: string[] = [];
  const subjectDigest = (evaluation.bundle.statement.subject[0] as { digest?: { sha256?: string } } | undefined)?.digest?.sha256;

  if (pipelineName !== undefined && predicate.pipeline?.name !== pipelineName) {
    problems.push(`the bundle belongs to pipeline ${JSON.stringify(predicate.pipeline?.name)}, not ${pipelineName}`);
  }

  if (subjectDigest !== predicate.pipeline?.version) {
    problems.push('the subject digest does not match the recorded pipeline version');
  }

  if (predicate.verdict !== 'pass') {
    problems.push(`verdict is ${String(predicate.verdict)}`);
  }

  return problems;
}

function snapshotOf(evaluation: EvaluatedBundle): ConfigSnapshot {
  const { pipeline, materials } = evaluation.predicate;

  return { config: pipeline.config, pipelinePath: pipeline.path, materials };
}
