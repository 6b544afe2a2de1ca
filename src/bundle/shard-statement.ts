import type { CiInfo } from '../ci/detect.js';
import type { Material } from '../config/files.js';
import type { GitState } from '../git/state.js';
import { STATEMENT_TYPE, type EvalPredicate } from './statement.js';

/** Predicate type of the partial result that `run --shard I/N` writes and `proofgate merge` reads. */
export const SHARD_PREDICATE_TYPE = 'https://proofgate.dev/attestation/eval-shard/v1';

/**
 * The signed result of one shard: the same pipeline, materials, dataset and
 * case records as an evaluation bundle, without metrics, gates or verdict,
 * which only the merge of every shard can decide.
 */
export interface ShardPredicate {
  pipeline: EvalPredicate['pipeline'];
  materials: Material[];
  /** The whole dataset's digest and counts; `cases` is the number of cases in this shard. */
  dataset: EvalPredicate['dataset'];
  /** 1-based `index` out of `count`, as in `--shard INDEX/COUNT`. */
  shard: { index: number; count: number };
  target: { kind: string };
  scorers: Array<{ name: string; type: string }>;
  summary: { cases: number; passed: number; failed: number; errors: number; cached: number };
  /** Per-case records of this shard in dataset order, the same lines an evaluation bundle holds. */
  cases: unknown[];
  git: GitState;
  ci: CiInfo;
  startedAt: string;
  finishedAt: string;
  tool: { name: 'proofgate'; version: string };
}

export interface ShardStatement {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof SHARD_PREDICATE_TYPE;
  predicate: ShardPredicate;
}

/** Wraps a shard predicate in an in-toto Statement whose subject is the pipeline version. */
export function buildShardStatement(predicate: ShardPredicate): ShardStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: predicate.pipeline.name, digest: { sha256: predicate.pipeline.version } }],
    predicateType: SHARD_PREDICATE_TYPE,
    predicate,
  };
}

/** Names a shard part `<12 hex of the version>-<12 hex of the dataset digest>-<I>of<N>.json`. */
export function shardFileName(version: string, datasetSha256: string, shard: { index: number; count: number }): string {
  return `${version.slice(0, 12)}-${datasetSha256.slice(0, 12)}-${shard.index}of${shard.count}.json`;
}
