import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { loadPipeline } from '../config/load.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import type { EvalPredicate } from '../bundle/statement.js';
import { isProofgateError } from '../errors.js';

/**
 * Compares the files in the working tree with what a bundle recorded: the
 * pipeline's version, every material and the dataset. Returns one sentence
 * per difference.
 */
export async function checkWorkingTree(predicate: EvalPredicate, root: string, loaded?: LoadedPipeline): Promise<string[]> {
  const problems: string[] = [];
  const pipelineFile = path.join(root, predicate.pipeline.path);
  if (!existsSync(pipelineFile)) return [`pipeline file ${predicate.pipeline.path} is missing from the working tree`];

  let pipeline = loaded;
  try {
    pipeline ??= await loadPipeline(pipelineFile, root);
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    return [`${predicate.pipeline.path} no longer loads: ${error.message}`, ...error.details];
  }

  if (pipeline.version !== predicate.pipeline.version) {
    problems.push(`version differs: the working tree is ${pipeline.version.slice(0, 12)}, the bundle tested ${predicate.pipeline.version.slice(0, 12)}`);
  }

  const current = new Map(pipeline.materials.map((material) => [material.path, material]));
  for (const material of predicate.materials) {
    const now = current.get(material.path);
    if (!now) problems.push(`material ${material.path} is missing from the working tree or no longer part of the pipeline`);
    else if (now.sha256 !== material.sha256) problems.push(`material ${material.path} changed (sha256 ${now.sha256.slice(0, 12)}, bundle ${material.sha256.slice(0, 12)})`);
  }

  const recorded = new Set(predicate.materials.map((material) => material.path));
  for (const material of pipeline.materials) {
    if (!recorded.has(material.path)) problems.push(`material ${material.path} is new since the bundle was written`);
  }

  const datasetFile = path.join(root, predicate.dataset.path);
  if (!existsSync(datasetFile)) problems.push(`dataset ${predicate.dataset.path} is missing from the working tree`);
  else if ((await sha256File(datasetFile)) !== predicate.dataset.sha256) problems.push(`dataset ${predicate.dataset.path} changed since the bundle was written`);

  return problems;
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
