import path from 'node:path';
import { checkBundleForDeploy } from '../approval/deploy.js';
import type { ApprovalEvaluation } from '../approval/evaluate.js';
import { BundleHistory } from '../approval/history.js';
import { defaultApprovalPolicy, type ApprovalPolicy } from '../approval/policy.js';
import { readBundleFile } from '../bundle/store.js';
import { listBundleFiles } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { loadPipeline } from '../config/load.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { verifyBundle, type BundleVerification } from './bundle.js';

export interface PipelineVerification {
  ok: boolean;
  pipeline: string;
  version: string;
  /** The bundle that proves this version, when one does. */
  accepted?: BundleVerification;
  /** Every rejected candidate bundle for this version, with its problems, newest first. */
  rejected: BundleVerification[];
  problems: string[];
  /** With requireApproval: the approvals of the accepted bundle. */
  approval?: ApprovalEvaluation;
}

export interface PipelineVerifyOptions {
  /** Folder holding the `<name>/` bundle folders; default `proofs/` at the project root. */
  proofsDir?: string;
  /** Also require the approvals of `policy`. */
  requireApproval?: boolean;
  /** The approval rules in force; default the pipeline's block, else one approval. */
  policy?: ApprovalPolicy;
  /** The pipeline, when the caller has loaded it already. */
  pipeline?: LoadedPipeline;
}

/**
 * The deploy-time check: does the working tree's version of this pipeline
 * have a signed, passing bundle whose files still match and, with
 * `requireApproval`, enough valid approvals? An older bundle of the same
 * version counts when a newer one falls short.
 */
export async function verifyPipeline(
  pipelineFile: string,
  cwd: string,
  trust: TrustedKey[],
  options: string | PipelineVerifyOptions = {},
): Promise<PipelineVerification> {
  const settings = typeof options === 'string' ? { proofsDir: options } : options;
  const pipeline = settings.pipeline ?? (await loadPipeline(pipelineFile, cwd));
  const dir = path.join(settings.proofsDir ? path.resolve(cwd, settings.proofsDir) : path.join(pipeline.root, 'proofs'), pipeline.name);
  const files = (await listBundleFiles(dir)).reverse();
  const policy = settings.policy ?? pipeline.approval ?? defaultApprovalPolicy(pipeline.root);
  const history = settings.requireApproval
    ? await BundleHistory.open(dir, { trust, policy, at: new Date(), pipelineName: pipeline.name })
    : undefined;

  const rejected: BundleVerification[] = [];
  for (const file of files) {
    const version = await versionOf(file);
    if (version !== pipeline.version) continue;

    const result = await verifyBundle(file, trust, pipeline.root, pipeline);
    if (!result.ok) {
      rejected.push(result);
      continue;
    }

    if (history === undefined) return { ok: true, pipeline: pipeline.name, version: pipeline.version, accepted: result, rejected, problems: [] };

    const deploy = await checkBundleForDeploy(file, policy, trust, { history });
    if (deploy.ok) {
      return { ok: true, pipeline: pipeline.name, version: pipeline.version, accepted: result, rejected, problems: [], ...(deploy.approval ? { approval: deploy.approval } : {}) };
    }
    rejected.push({ ...result, ok: false, problems: deploy.problems });
  }

  const problems = rejected.length === 0
    ? [`no bundle in ${path.relative(cwd, dir) || dir} tested version ${pipeline.version.slice(0, 12)} of ${pipeline.name}; run \`proofgate run ${path.relative(cwd, pipeline.file)}\` and commit the bundle`]
    : [`none of the ${rejected.length} bundles for version ${pipeline.version.slice(0, 12)} ${history ? 'is verified and approved' : 'verifies'}`];
  return { ok: false, pipeline: pipeline.name, version: pipeline.version, rejected, problems };
}

// Bundles that cannot be read are skipped here; verifying them by name reports why.
async function versionOf(file: string): Promise<string | undefined> {
  try {
    const bundle = await readBundleFile(file);
    return (bundle.statement.subject[0] as { digest?: { sha256?: string } } | undefined)?.digest?.sha256;
  } catch {
    return undefined;
  }
}
