import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { emitBundle } from '../bundle/emit.js';
import { loadSigningKey, sshFingerprint, type SigningKey } from '../bundle/keys.js';
import { findPreviousLink } from '../bundle/previous.js';
import { buildStatement, type EvalPredicate } from '../bundle/statement.js';
import { bundleFileName, writeBundleFile } from '../bundle/store.js';
import { detectCi } from '../ci/detect.js';
import { loadPipeline } from '../config/load.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { readCases, scanDataset } from '../dataset/index.js';
import type { DatasetScan, Selection } from '../dataset/types.js';
import { EXIT, ProofgateError, isProofgateError } from '../errors.js';
import { evaluateGates, verdictOf, type GateResult } from '../gates/evaluate.js';
import { readGitState } from '../git/state.js';
import type { MetricValue } from '../metrics/aggregate.js';
import { createScorer } from '../scorers/index.js';
import { createTarget, targetKind } from '../targets/index.js';
import { TargetUnavailableError } from '../targets/target.js';
import { executeCases, type Progress } from './execute.js';
import type { FailedCaseSummary } from './worst.js';

export interface RunOptions {
  pipelineFile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  toolVersion: string;
  signal: AbortSignal;
  concurrency?: number;
  selection: Selection;
  keyFile?: string;
  requireSignature: boolean;
  /** Folder containing the `<name>/` bundle folders; default `<project root>/proofs`. */
  proofsDir?: string;
  onStart?: (info: { pipeline: LoadedPipeline; scan: DatasetScan; signed: boolean }) => void;
  onProgress?: (progress: Progress) => void;
  onRetry?: (event: { caseId: string; attempt: number; delayMs: number; reason: string }) => void;
}

export interface RunOutcome {
  pipeline: LoadedPipeline;
  scan: DatasetScan;
  verdict: 'pass' | 'fail';
  metrics: Record<string, MetricValue & { expression: string }>;
  gates: GateResult[];
  progress: Progress;
  worst: FailedCaseSummary[];
  bundlePath: string;
  keyid?: string;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The main job: validate, run every case, score, aggregate, gate, then sign
 * and write the bundle. Everything a user can get wrong is checked before the
 * first case runs. A run that does not finish writes no bundle.
 */
export async function runPipeline(options: RunOptions): Promise<RunOutcome> {
  const pipeline = await loadPipeline(options.pipelineFile, options.cwd);
  const key = await loadKey(options);
  const scan = await scanDataset(pipeline.dataset, options.selection, { requiredFields: pipeline.requiredFields });
  const scorers = pipeline.scorers.map((spec) =>
    createScorer(spec, { baseDir: pipeline.baseDir, readFile: (reference) => fileText(pipeline, reference) }),
  );
  const target = await createTarget(pipeline.target, {
    baseDir: pipeline.baseDir,
    env: options.env,
    readFile: (reference) => fileText(pipeline, reference),
    resolvePath: (relative) => path.resolve(pipeline.baseDir, relative),
    onRetry: options.onRetry,
  });

  // Every in-flight HTTP request or child process listens for the abort.
  const concurrency = options.concurrency ?? pipeline.concurrency;
  setMaxListeners(concurrency * 2 + 8, options.signal);

  const startedAt = new Date();
  options.onStart?.({ pipeline, scan, signed: key !== undefined });

  let execution;
  try {
    execution = await executeCases({
      cases: readCases(pipeline.dataset, scan),
      total: scan.cases,
      target,
      scorers,
      scorerSpecs: pipeline.scorers,
      metrics: pipeline.metrics,
      pipelineConfig: pipeline.pipelineConfig,
      concurrency,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  } catch (error) {
    throw asRunStop(error, options.signal);
  } finally {
    await target.close?.();
  }

  try {
    return await finish(pipeline, scan, execution, key, startedAt, options);
  } finally {
    await execution.spool.dispose();
  }
}

async function loadKey(options: RunOptions): Promise<SigningKey | undefined> {
  const key = await loadSigningKey({ keyFile: options.keyFile, env: options.env });
  if (!key && options.requireSignature) {
    throw new ProofgateError('SIGNATURE_REQUIRED', 'no signing key: pass --key FILE or set PROOFGATE_SIGNING_KEY (make one with `proofgate keygen`); nothing was run');
  }
  return key;
}

function fileText(pipeline: LoadedPipeline, reference: string): string {
  const text = pipeline.fileTexts.get(reference);
  if (text === undefined) throw new ProofgateError('CONFIG_INVALID', `file reference ${reference} was not loaded`);
  return text;
}

function asRunStop(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) {
    return new ProofgateError('INTERRUPTED', 'run interrupted; no bundle was written');
  }
  if (error instanceof TargetUnavailableError) {
    return new ProofgateError('TARGET_UNAVAILABLE', error.message, { cause: error, details: ['the run stopped; no bundle was written'] });
  }
  // The dataset changed on disk while cases were running: some ran, so this is not "nothing was run".
  if (isProofgateError(error) && error.code === 'DATASET_INVALID') {
    return new ProofgateError('DATASET_INVALID', error.message, { cause: error, exitCode: EXIT.incomplete, details: ['the run stopped; no bundle was written'] });
  }
  return error;
}

async function finish(
  pipeline: LoadedPipeline,
  scan: DatasetScan,
  execution: Awaited<ReturnType<typeof executeCases>>,
  key: SigningKey | undefined,
  startedAt: Date,
  options: RunOptions,
): Promise<RunOutcome> {
  const gates = evaluateGates(pipeline.gates, execution.metrics);
  const verdict = verdictOf(gates);
  const metrics = Object.fromEntries(
    pipeline.metrics.map((metric) => [
      metric.name,
      { expression: `${metric.fn}(${metric.arg})`, ...(execution.metrics[metric.name] ?? { value: null, samples: 0 }) },
    ]),
  );

  const proofsDir = path.join(options.proofsDir ? path.resolve(options.cwd, options.proofsDir) : path.join(pipeline.root, 'proofs'), pipeline.name);
  const finishedAt = new Date();
  const predicate: EvalPredicate = {
    pipeline: {
      name: pipeline.name,
      ...(pipeline.description === undefined ? {} : { description: pipeline.description }),
      path: pipeline.source.path,
      sha256: pipeline.source.sha256,
      gitBlob: pipeline.source.gitBlob,
      version: pipeline.version,
      config: pipeline.canonical,
    },
    materials: pipeline.materials,
    dataset: datasetRecord(pipeline, scan, options.selection),
    target: { kind: targetKind(pipeline.target) },
    scorers: pipeline.scorers.map((scorer) => ({ name: scorer.name, type: scorer.type })),
    metrics,
    gates,
    verdict,
    summary: {
      cases: execution.progress.done,
      passed: execution.progress.done - execution.progress.failed,
      failed: execution.progress.failed,
      errors: execution.progress.errors,
    },
    cases: [],
    git: await readGitState(pipeline.root, options.env),
    ci: detectCi(options.env),
    previous: await findPreviousLink(proofsDir, pipeline.root),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    tool: { name: 'proofgate', version: options.toolVersion },
  };

  // An interrupt that lands after the last case must still leave no bundle.
  if (options.signal.aborted) throw new ProofgateError('INTERRUPTED', 'run interrupted; no bundle was written');

  const emitted = await emitBundle(buildStatement(predicate), execution.spool.inOrder(), key);
  const bundlePath = await writeBundleFile(proofsDir, bundleFileName(finishedAt, pipeline.version), emitted.chunks);

  return {
    pipeline,
    scan,
    verdict,
    metrics,
    gates,
    progress: execution.progress,
    worst: execution.worst,
    bundlePath,
    keyid: key ? sshFingerprint(key.publicKey) : undefined,
    startedAt,
    finishedAt,
  };
}

function datasetRecord(pipeline: LoadedPipeline, scan: DatasetScan, selection: Selection): EvalPredicate['dataset'] {
  return {
    path: pipeline.dataset.displayPath,
    sha256: scan.sha256,
    bytes: scan.bytes,
    records: scan.records,
    skipped: scan.skipped,
    cases: scan.cases,
    ...(selection.sample === undefined ? {} : { sample: selection.sample, seed: selection.seed ?? '0' }),
    ...(selection.shard === undefined ? {} : { shard: `${selection.shard.index}/${selection.shard.count}` }),
  };
}
