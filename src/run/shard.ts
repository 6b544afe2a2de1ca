import path from 'node:path';
import { emitBundle } from '../bundle/emit.js';
import { sshFingerprint } from '../bundle/keys.js';
import { buildShardStatement, shardFileName, type ShardPredicate } from '../bundle/shard-statement.js';
import { writeBundleFile } from '../bundle/store.js';
import type { CacheStats } from '../cache/target.js';
import { detectCi } from '../ci/detect.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import type { DatasetScan } from '../dataset/types.js';
import { ProofgateError } from '../errors.js';
import { readGitState } from '../git/state.js';
import { targetKind } from '../targets/index.js';
import type { Progress } from './execute.js';
import { datasetRecord, executeRun, pipelineProofsDir, pipelineRecord, type ExecutedRun, type RunOptions } from './run.js';
import type { FailedCaseSummary } from './worst.js';

/** The result of one shard run, whose gates are left to `proofgate merge`. */
export interface ShardOutcome {
  pipeline: LoadedPipeline;
  scan: DatasetScan;
  shard: { index: number; count: number };
  progress: Progress;
  worst: FailedCaseSummary[];
  /** Absolute path of the signed partial result. */
  partPath: string;
  keyid?: string;
  startedAt: Date;
  finishedAt: Date;
  cache?: CacheStats;
}

/**
 * Runs the cases of one shard (`options.selection.shard`) and writes a
 * signed partial result to `<proofs dir>/<name>/shards/` instead of a bundle.
 * A shard that does not finish writes nothing, as a full run does.
 */
export async function runShard(options: RunOptions): Promise<ShardOutcome> {
  const shard = options.selection.shard;
  if (shard === undefined) throw new RangeError('runShard needs options.selection.shard');

  const executed = await executeRun(options);
  try {
    return await writeShardPart(executed, shard, options);
  } finally {
    await executed.execution.spool.dispose();
  }
}

async function writeShardPart(executed: ExecutedRun, shard: { index: number; count: number }, options: RunOptions): Promise<ShardOutcome> {
  const { pipeline, scan, execution, key, startedAt } = executed;
  const { progress } = execution;
  const finishedAt = new Date();

  const predicate: ShardPredicate = {
    pipeline: pipelineRecord(pipeline),
    materials: pipeline.materials,
    dataset: datasetRecord(pipeline, scan, options.selection),
    shard,
    target: { kind: targetKind(pipeline.target) },
    scorers: pipeline.scorers.map((scorer) => ({ name: scorer.name, type: scorer.type })),
    summary: {
      cases: progress.done,
      passed: progress.done - progress.failed,
      failed: progress.failed,
      errors: progress.errors,
      cached: executed.cache?.hits ?? 0,
    },
    cases: [],
    git: await readGitState(pipeline.root, options.env),
    ci: detectCi(options.env),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    tool: { name: 'proofgate', version: options.toolVersion },
  };

  if (options.signal.aborted) throw new ProofgateError('INTERRUPTED', 'run interrupted; no shard result was written');

  const emitted = await emitBundle(buildShardStatement(predicate), execution.spool.inOrder(), key);
  const dir = path.join(pipelineProofsDir(pipeline, options), 'shards');
  const partPath = await writeBundleFile(dir, shardFileName(pipeline.version, scan.sha256, shard), emitted.chunks);

  return {
    pipeline,
    scan,
    shard,
    progress,
    worst: execution.worst,
    partPath,
    keyid: key ? sshFingerprint(key.publicKey) : undefined,
    startedAt,
    finishedAt,
    ...(executed.cache === undefined ? {} : { cache: executed.cache }),
  };
}
