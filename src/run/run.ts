import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { emitBundle } from '../bundle/emit.js';
import { prepareBundleFolder } from '../bundle/folder.js';
import { loadSigningKey, sshFingerprint, type SigningKey } from '../bundle/keys.js';
import { findPreviousLink } from '../bundle/previous.js';
import { buildStatement, type EvalPredicate } from '../bundle/statement.js';
import { bundleFileName, writeBundleFile } from '../bundle/store.js';
import type { Baseline } from '../approval/baseline.js';
import { cacheTarget, type CacheOptions, type CacheStats } from '../cache/target.js';
import { detectCi } from '../ci/detect.js';
import { toProjectPath } from '../config/files.js';
import { baselineMetrics, compareWithBaseline, type BaselineComparison } from '../compare/baseline.js';
import { caseOutcomesFromJson } from '../compare/cases.js';
import { loadPipeline } from '../config/load.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { readCases } from '../dataset/index.js';
import type { DatasetScan, Selection } from '../dataset/types.js';
import { EXIT, ProofgateError, isProofgateError } from '../errors.js';
import { evaluateGates, verdictOf, type GateResult } from '../gates/evaluate.js';
import { readGitState } from '../git/state.js';
import type { MetricValue } from '../metrics/aggregate.js';
import { createScorer } from '../scorers/index.js';
import { createTarget, targetKind } from '../targets/index.js';
import { TargetUnavailableError, type Target } from '../targets/target.js';
import { resolveRunBaseline, type BaselineRequest } from './baseline.js';
import type { CaseRecord } from './case.js';
import { executeCases, type Execution, type Progress } from './execute.js';
import { scanSelection } from './shard-scan.js';
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
  /** Serve target responses from this on-disk cache; without it every case calls the target. */
  cache?: CacheOptions;
  /** The bundle that relative gates and deltas compare with; default `auto`. Sharded runs use none. */
  baseline?: Omit<BaselineRequest, 'cwd' | 'proofsDir'>;
  /** Set by `proofgate merge`: the shard parts whose cases the bundle combines. */
  shards?: EvalPredicate['shards'];
  /**
   * Called after the bundle is written with every case record in case order
   * (parsed one at a time from the spool), e.g. to write a JUnit report. An
   * error it throws fails the command, so reporters catch their own.
   */
  onCaseRecords?: (records: AsyncIterable<CaseRecord>, outcome: RunOutcome) => Promise<void>;
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
  /** Cache hits and misses, when the run used the response cache. */
  cache?: CacheStats;
  /** The comparison with the baseline bundle; null when there was none. */
  baseline: BaselineComparison | null;
}

/**
 * The main job: validate, run every case, score, aggregate, gate, then sign
 * and write the bundle. Everything a user can get wrong is checked before the
 * first case runs. A run that does not finish writes no bundle.
 */
export async function runPipeline(options: RunOptions): Promise<RunOutcome> {
  const executed = await executeRun(options);

  try {
    return await finishRun(executed, options);
  } finally {
    await executed.execution.spool.dispose();
  }
}

/** A run whose cases have all finished, before gates are evaluated and anything is written. */
export interface ExecutedRun {
  pipeline: LoadedPipeline;
  scan: DatasetScan;
  execution: Execution;
  key: SigningKey | undefined;
  startedAt: Date;
  cache?: CacheStats;
  baseline?: Baseline;
}

/**
 * Validates, then runs and scores every selected case. Shared by full and
 * sharded runs; the caller disposes `execution.spool`.
 */
export async function executeRun(options: RunOptions): Promise<ExecutedRun> {
  const pipeline = await loadPipeline(options.pipelineFile, options.cwd);
  const key = await loadKey(options);
  await prepareBundleFolder(pipelineProofsDir(pipeline, options));
  const baseline = options.selection.shard === undefined ? await findRunBaseline(pipeline, options) : undefined;
  const scan = await scanSelection(pipeline.dataset, options.selection, { requiredFields: pipeline.requiredFields });
  const scorers = pipeline.scorers.map((spec) =>
    createScorer(spec, { baseDir: pipeline.baseDir, readFile: (reference) => fileText(pipeline, reference) }),
  );
  const created = await createPipelineTarget(pipeline, options.env, options.onRetry);
  const cached = options.cache === undefined ? undefined : cacheTarget(created, pipeline, options.cache);
  const target = cached?.target ?? created;

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

  return { pipeline, scan, execution, key, startedAt, baseline, ...(cached === undefined ? {} : { cache: cached.stats }) };
}

/**
 * Creates the pipeline's target without calling it. Creation reads the key
 * variable, recordings and prompt files, so `validate` uses it as well.
 */
export function createPipelineTarget(pipeline: LoadedPipeline, env: NodeJS.ProcessEnv, onRetry?: RunOptions['onRetry']): Promise<Target> {
  return createTarget(pipeline.target, {
    baseDir: pipeline.baseDir,
    env,
    readFile: (reference: string) => fileText(pipeline, reference),
    resolvePath: (relative: string) => path.resolve(pipeline.baseDir, relative),
    onRetry,
  });
}

/** Resolves the run's baseline from its options; `proofgate merge` calls it too. */
export function findRunBaseline(pipeline: LoadedPipeline, options: RunOptions): Promise<Baseline | undefined> {
  return resolveRunBaseline(pipeline, { ...options.baseline, cwd: options.cwd, proofsDir: options.proofsDir });
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

/**
 * Evaluates the gates, then signs and writes the bundle. `proofgate merge`
 * calls it too, with the cases of every shard in dataset order.
 */
export async function finishRun(executed: ExecutedRun, options: RunOptions): Promise<RunOutcome> {
  const { pipeline, scan, execution, key, startedAt } = executed;
  const baselineInput = executed.baseline && { path: toProjectPath(pipeline.root, executed.baseline.file), bundle: executed.baseline.bundle };
  const gates = evaluateGates(pipeline.gates, execution.metrics, baselineInput && baselineMetrics(baselineInput.bundle));
  const verdict = verdictOf(gates);
  const metrics = Object.fromEntries(
    pipeline.metrics.map((metric) => [
      metric.name,
      { expression: `${metric.fn}(${metric.arg})`, ...(execution.metrics[metric.name] ?? { value: null, samples: 0 }) },
    ]),
  );

  const baseline = baselineInput
    ? await compareWithBaseline(baselineInput, { metrics, cases: caseOutcomesFromJson(execution.spool.inOrder()) })
    : null;

  const proofsDir = pipelineProofsDir(pipeline, options);
  const finishedAt = new Date();
  const predicate: EvalPredicate = {
    pipeline: pipelineRecord(pipeline),
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
    baseline,
    ...(options.shards === undefined ? {} : { shards: options.shards }),
  };

  // An interrupt that lands after the last case must still leave no bundle.
  if (options.signal.aborted) throw new ProofgateError('INTERRUPTED', 'run interrupted; no bundle was written');

  const emitted = await emitBundle(buildStatement(predicate), execution.spool.inOrder(), key);
  const bundlePath = await writeBundleFile(proofsDir, bundleFileName(finishedAt, pipeline.version), emitted.chunks);

  const outcome: RunOutcome = {
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
    ...(executed.cache === undefined ? {} : { cache: executed.cache }),
    baseline,
  };

  // The spool is deleted once this returns, so reporters that need every case read it here.
  await options.onCaseRecords?.(readCaseRecords(execution.spool), outcome);
  return outcome;
}

async function* readCaseRecords(spool: Execution['spool']): AsyncGenerator<CaseRecord> {
  for await (const json of spool.inOrder()) yield JSON.parse(json.toString('utf8')) as CaseRecord;
}

/** Returns the bundle's pipeline record: what was tested, by path, digests, version and parsed config. */
export function pipelineRecord(pipeline: LoadedPipeline): EvalPredicate['pipeline'] {
  return {
    name: pipeline.name,
    ...(pipeline.description === undefined ? {} : { description: pipeline.description }),
    path: pipeline.source.path,
    sha256: pipeline.source.sha256,
    gitBlob: pipeline.source.gitBlob,
    version: pipeline.version,
    config: pipeline.canonical,
  };
}

/** Returns the bundle's dataset record: digest, counts and the selection that chose the cases. */
export function datasetRecord(pipeline: LoadedPipeline, scan: DatasetScan, selection: Selection): EvalPredicate['dataset'] {
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

/** Returns the folder holding the pipeline's bundles: `<proofs dir>/<name>`. */
export function pipelineProofsDir(pipeline: LoadedPipeline, options: Pick<RunOptions, 'cwd' | 'proofsDir'>): string {
  const base = options.proofsDir ? path.resolve(options.cwd, options.proofsDir) : path.join(pipeline.root, 'proofs');
  return path.join(base, pipeline.name);
}
