import { loadPipeline } from '../config/load.js';
import { scanDataset } from '../dataset/index.js';
import { createPipelineTarget } from '../run/run.js';

/**
 * `proofgate validate`: every check `run` makes before the first case. The
 * target is created (key variable, recordings, prompt files) but not called.
 */
export async function validateCommand(pipelineFile: string, options: { json?: boolean }): Promise<void> {
  const pipeline = await loadPipeline(pipelineFile, process.cwd());
  const scan = await scanDataset(pipeline.dataset, {}, { requiredFields: pipeline.requiredFields });
  const target = await createPipelineTarget(pipeline, process.env);
  await target.close?.();

  const result = {
    valid: true,
    pipeline: pipeline.name,
    version: pipeline.version,
    materials: pipeline.materials.length,
    dataset: { path: pipeline.dataset.displayPath, sha256: scan.sha256, records: scan.records, skipped: scan.skipped, cases: scan.cases },
    metrics: pipeline.metrics.map((metric) => metric.name),
    gates: pipeline.gates.map((gate) => gate.source),
  };

  process.stderr.write(
    `proofgate: ${pipeline.name} is valid: version ${pipeline.version.slice(0, 12)}, ${scan.cases} cases (${scan.skipped} records skipped), ` +
      `${pipeline.scorers.length} scorers, ${pipeline.gates.length} gates\n`,
  );
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
