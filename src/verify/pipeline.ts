import path from 'node:path';
import { readBundleFile } from '../bundle/store.js';
import { listBundleFiles } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { loadPipeline } from '../config/load.js';
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
}

/**
 * The deploy-time check: does the working tree's version of this pipeline
 * have a signed, passing bundle whose files still match?
 */
export async function verifyPipeline(pipelineFile: string, cwd: string, trust: TrustedKey[], proofsDir?: string): Promise<PipelineVerification> {
  const pipeline = await loadPipeline(pipelineFile, cwd);
  const dir = path.join(proofsDir ? path.resolve(cwd, proofsDir) : path.join(pipeline.root, 'proofs'), pipeline.name);
  const files = (await listBundleFiles(dir)).reverse();

  const rejected: BundleVerification[] = [];
  for (const file of files) {
    const version = await versionOf(file);
    if (version !== pipeline.version) continue;

    const result = await verifyBundle(file, trust, pipeline.root, pipeline);
    if (result.ok) return { ok: true, pipeline: pipeline.name, version: pipeline.version, accepted: result, rejected, problems: [] };
    rejected.push(result);
  }

  const problems = rejected.length === 0
    ? [`no bundle in ${path.relative(cwd, dir) || dir} tested version ${pipeline.version.slice(0, 12)} of ${pipeline.name}; run \`proofgate run ${path.relative(cwd, pipeline.file)}\` and commit the bundle`]
    : [`none of the ${rejected.length} bundles for version ${pipeline.version.slice(0, 12)} verifies`];
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
