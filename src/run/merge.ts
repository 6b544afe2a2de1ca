import path from 'node:path';
import { canonicalJson } from '../bundle/jcs.js';
import { loadSigningKey } from '../bundle/keys.js';
import type { ShardLink } from '../bundle/statement.js';
import { verifyBundleSignatures } from '../bundle/store.js';
import { loadTrust, type TrustedKey } from '../bundle/trust.js';
import { loadPipeline } from '../config/load.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { readCases, scanDataset } from '../dataset/index.js';
import type { DatasetScan, Selection } from '../dataset/types.js';
import { ProofgateError } from '../errors.js';
import { findWorkTreeRoot } from '../git/state.js';
import { MetricAggregator } from '../metrics/aggregate.js';
import { measuresOf, type CaseRecord } from './case.js';
import type { Execution } from './execute.js';
import { findMergeProblems, readShardPart, type ShardPart } from './parts.js';
import { findRunBaseline, finishRun, type RunOptions, type RunOutcome } from './run.js';
import { CaseSpool } from './spool.js';
import { WorstCases } from './worst.js';

export interface MergeOptions {
  /** Files written by `run --shard I/N`, one per shard, in any order. */
  parts: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  toolVersion: string;
  signal: AbortSignal;
  keyFile?: string;
  requireSignature: boolean;
  /** allowed_signers file that the parts' signatures must verify against; default `<project root>/.proofgate/allowed_signers`. */
  trustFile?: string;
  /** Accept parts without any signature. A part that is signed must still verify. */
  allowUnsigned: boolean;
  /** pipeline.yaml to merge for; default the path recorded in the parts, from the project root. */
  pipelineFile?: string;
  proofsDir?: string;
  /** Passed on to finishRun: reads every case record of the merged bundle, such as for a JUnit report. */
  onCaseRecords?: RunOptions['onCaseRecords'];
  /** The bundle relative gates compare with, as for `run`. */
  baseline?: RunOptions['baseline'];
}

export interface MergeOutcome extends RunOutcome {
  shards: { count: number; parts: ShardLink[] };
}

/**
 * Combines the parts of a sharded run into one signed bundle, as if one run
 * had run every case. Checks the parts' signatures, that they come from one
 * pipeline version, dataset and shard count with every shard exactly once,
 * and that the working tree still has that version and dataset. Then it
 * recomputes metrics and gates from the case records in dataset order and
 * writes the bundle the way `run` does. Inconsistent parts throw
 * ProofgateError (exit 2) and write nothing.
 */
export async function mergeShards(options: MergeOptions): Promise<MergeOutcome> {
  const root = (await findWorkTreeRoot(options.cwd)) ?? options.cwd;
  const parts = await Promise.all(options.parts.map((file) => readShardPart(path.resolve(options.cwd, file), options.cwd)));
  const links = await checkSignatures(parts, options, root);

  const problems = findMergeProblems(parts);
  if (problems.length > 0) {
    throw new ProofgateError('BUNDLE_INVALID', `the ${parts.length} shard parts do not make up one run; nothing was merged`, { details: problems });
  }

  const first = parts[0] as ShardPart;
  const selection: Selection = { sample: first.predicate.dataset.sample, seed: first.predicate.dataset.seed };
  const pipeline = await loadMatchingPipeline(first, options, root);
  const scan = await scanMatchingDataset(pipeline, first, selection);
  const key = await loadKey(options);
  const shards = { count: first.predicate.shard.count, parts: links };
  const runOptions: RunOptions = {
    pipelineFile: pipeline.file,
    cwd: options.cwd,
    env: options.env,
    toolVersion: options.toolVersion,
    signal: options.signal,
    selection,
    keyFile: options.keyFile,
    requireSignature: options.requireSignature,
    proofsDir: options.proofsDir,
    onCaseRecords: options.onCaseRecords,
    baseline: options.baseline,
    shards,
  };
  const baseline = await findRunBaseline(pipeline, runOptions);

  const execution = await combineCases(pipeline, scan, parts);
  try {
    const outcome = await finishRun(
      { pipeline, scan, execution, key, startedAt: earliestStart(parts), cache: countCached(parts), baseline },
      runOptions,
    );
    return { ...outcome, shards };
  } finally {
    await execution.spool.dispose();
  }
}

/**
 * Verifies every part against the trust file and returns each part's link
 * for the bundle, in shard order. Collects the problems of all parts before
 * failing, so one run of merge names every bad part.
 */
async function checkSignatures(parts: readonly ShardPart[], options: MergeOptions, root: string): Promise<ShardLink[]> {
  const unsigned = parts.filter((part) => part.bundle.signatures.length === 0);
  if (unsigned.length > 0 && !options.allowUnsigned) {
    throw new ProofgateError('SIGNATURE_REQUIRED', `${unsigned.map((part) => part.name).join(', ')} ${unsigned.length === 1 ? 'is' : 'are'} unsigned; sign shard runs with --key or PROOFGATE_SIGNING_KEY, or pass --allow-unsigned to merge unsigned parts`);
  }

  const signed = parts.filter((part) => part.bundle.signatures.length > 0);
  const trust = signed.length === 0 ? [] : await loadTrustFile(options, root);
  const problems: string[] = [];
  const links: ShardLink[] = [];

  for (const part of parts) {
    const result = part.bundle.signatures.length === 0 ? { trusted: [], problems: [] } : verifyBundleSignatures(part.bundle, trust, new Date());
    problems.push(...result.problems.map((problem) => `${part.name}: ${problem}`));
    links.push({ index: part.predicate.shard.index, statementSha256: part.statementSha256, keyids: result.trusted.map((signer) => signer.keyid) });
  }

  if (problems.length > 0) {
    throw new ProofgateError('BUNDLE_INVALID', 'some shard parts do not carry a valid, trusted signature; nothing was merged', { details: problems });
  }

  return links.sort((left, right) => left.index - right.index);
}

async function loadTrustFile(options: MergeOptions, root: string): Promise<TrustedKey[]> {
  const file = options.trustFile ? path.resolve(options.cwd, options.trustFile) : path.join(root, '.proofgate', 'allowed_signers');
  return loadTrust(file);
}

async function loadMatchingPipeline(first: ShardPart, options: MergeOptions, root: string): Promise<LoadedPipeline> {
  const file = options.pipelineFile ?? path.join(root, first.predicate.pipeline.path);
  const pipeline = await loadPipeline(file, options.cwd);
  const tested = first.predicate.pipeline.version;

  if (pipeline.version !== tested) {
    throw new ProofgateError(
      'BUNDLE_INVALID',
      `${pipeline.source.path} in the working tree is version ${pipeline.version.slice(0, 12)}, but the shards ran version ${tested.slice(0, 12)}; merge in a checkout of the commit the shards ran on`,
    );
  }

  return pipeline;
}

async function scanMatchingDataset(pipeline: LoadedPipeline, first: ShardPart, selection: Selection): Promise<DatasetScan> {
  const scan = await scanDataset(pipeline.dataset, selection, { requiredFields: pipeline.requiredFields });
  if (scan.sha256 !== first.predicate.dataset.sha256) {
    throw new ProofgateError(
      'BUNDLE_INVALID',
      `${pipeline.dataset.displayPath} in the working tree has sha256 ${scan.sha256.slice(0, 12)}, but the shards ran on ${first.predicate.dataset.sha256.slice(0, 12)}; merge with the dataset the shards used`,
    );
  }

  return scan;
}

async function loadKey(options: MergeOptions) {
  const key = await loadSigningKey({ keyFile: options.keyFile, env: options.env });
  if (!key && options.requireSignature) {
    throw new ProofgateError('SIGNATURE_REQUIRED', 'no signing key: pass --key FILE or set PROOFGATE_SIGNING_KEY (make one with `proofgate keygen`); nothing was merged');
  }
  return key;
}

/**
 * Feeds the parts' case records to the metrics, the worst-case list and a
 * spool in dataset order, which is the order a single run writes them in.
 * NOTE: every record is held in memory until its case comes up, about a few
 * hundred bytes per case.
 */
async function combineCases(pipeline: LoadedPipeline, scan: DatasetScan, parts: readonly ShardPart[]): Promise<Execution> {
  const records = new Map<string, CaseRecord>();
  for (const part of parts) for (const record of part.records) records.set(record.id, record);

  const aggregator = new MetricAggregator(pipeline.metrics);
  const worst = new WorstCases(5, pipeline.scorers);
  const spool = new CaseSpool(scan.cases);
  const progress = { done: 0, total: scan.cases, failed: 0, errors: 0 };
  const missing: string[] = [];

  try {
    for await (const item of readCases(pipeline.dataset, scan)) {
      const record = records.get(item.id);
      if (record === undefined) {
        missing.push(item.id);
        continue;
      }

      records.delete(item.id);
      const errored = record.error !== undefined;
      aggregator.add(measuresOf(record, errored));
      // The parts keep only a digest of each output, so the report shows none.
      worst.offer(item, { record, measures: measuresOf(record, errored), output: '', vars: item.vars });
      progress.done += 1;
      if (!record.pass) progress.failed += 1;
      if (errored) progress.errors += 1;
      await spool.append(item.index, canonicalJson(record));
    }

    throwIfUnmatched(missing, [...records.keys()], pipeline);
  } catch (error) {
    await spool.dispose();
    throw error;
  }

  return { progress, metrics: aggregator.results(), worst: worst.list(), spool };
}

function throwIfUnmatched(missing: string[], extra: string[], pipeline: LoadedPipeline): void {
  if (missing.length === 0 && extra.length === 0) return;

  const details = [
    ...missing.slice(0, 10).map((id) => `case ${JSON.stringify(id)} of ${pipeline.dataset.displayPath} is in no part`),
    ...extra.slice(0, 10).map((id) => `case ${JSON.stringify(id)} in the parts is not a case of ${pipeline.dataset.displayPath}`),
  ];
  const total = missing.length + extra.length;
  if (total > details.length) details.push(`... and ${total - details.length} more`);

  throw new ProofgateError('BUNDLE_INVALID', `the shard parts do not hold exactly the dataset's cases (${missing.length} missing, ${extra.length} unknown); nothing was merged`, { details });
}

function earliestStart(parts: readonly ShardPart[]): Date {
  const times = parts.map((part) => Date.parse(part.predicate.startedAt));
  return new Date(Math.min(...times));
}

function countCached(parts: readonly ShardPart[]): { hits: number; misses: number } {
  const total = parts.reduce((sum, part) => sum + part.records.length, 0);
  const hits = parts.reduce((sum, part) => sum + part.records.filter((record) => record.cached === true).length, 0);
  return { hits, misses: total - hits };
}
