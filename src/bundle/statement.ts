import type { CiInfo } from '../ci/detect.js';
import type { BaselineComparison } from '../compare/baseline.js';
import type { Material } from '../config/files.js';
import type { GateResult } from '../gates/evaluate.js';
import type { GitState } from '../git/state.js';
import type { MetricValue } from '../metrics/aggregate.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const EVAL_PREDICATE_TYPE = 'https://proofgate.dev/attestation/eval/v1';
export const BUNDLE_FORMAT = 'proofgate/v1';

export interface PreviousLink {
  /** Project-relative path of the previous bundle of the same pipeline. */
  path: string;
  /** sha256 of the previous statement's JCS bytes, which is what its signature covers. */
  statementSha256: string;
  /** sha256 of the previous bundle file, so a re-signed or rewritten file breaks the chain too. */
  fileSha256: string;
}

export interface EvalPredicate {
  pipeline: {
    name: string;
    description?: string;
    path: string;
    sha256: string;
    gitBlob: string;
    version: string;
    config: Record<string, unknown>;
  };
  materials: Material[];
  dataset: {
    path: string;
    sha256: string;
    bytes: number;
    records: number;
    skipped: number;
    cases: number;
    sample?: number;
    seed?: string;
    shard?: string;
  };
  target: { kind: string };
  scorers: Array<{ name: string; type: string }>;
  metrics: Record<string, MetricValue & { expression: string }>;
  gates: GateResult[];
  verdict: 'pass' | 'fail';
  summary: { cases: number; passed: number; failed: number; errors: number };
  /** Per-case records, in case order; spliced in when the payload is written. */
  cases: unknown[];
  git: GitState;
  ci: CiInfo;
  previous: PreviousLink | null;
  /** The run compared with: metric deltas and flipped cases; null when no baseline bundle was found. */
  baseline?: BaselineComparison | null;
  startedAt: string;
  finishedAt: string;
  tool: { name: 'proofgate'; version: string };
  /** Present when `proofgate merge` built the bundle from shard runs, one entry per part in shard order. */
  shards?: { count: number; parts: ShardLink[] };
}

/** A shard part that `proofgate merge` combined into a bundle. */
export interface ShardLink {
  /** 1-based shard index, as in `--shard INDEX/COUNT`. */
  index: number;
  /** sha256 of the part's JCS statement, which is what its signatures cover. */
  statementSha256: string;
  /** Fingerprints of the trusted keys that signed the part; empty for an unsigned part accepted with --allow-unsigned. */
  keyids: string[];
}

export interface EvalStatement {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof EVAL_PREDICATE_TYPE;
  predicate: EvalPredicate;
}

/** Wraps an evaluation predicate in an in-toto Statement whose subject is the pipeline version. */
export function buildStatement(predicate: EvalPredicate): EvalStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: predicate.pipeline.name, digest: { sha256: predicate.pipeline.version } }],
    predicateType: EVAL_PREDICATE_TYPE,
    predicate,
  };
}

export const ROLLBACK_PREDICATE_TYPE = 'https://proofgate.dev/attestation/rollback/v1';

/** A file that `proofgate rollback` wrote, and where its bytes came from. */
export interface RestoredFile extends Material {
  /** `blob`: looked up by git blob id; `commit`: read from the target bundle's recorded commit. */
  source: 'blob' | 'commit';
}

/**
 * The record of one `proofgate rollback`: which version replaced which, on
 * the strength of which bundle. Stored in `proofs/<name>/rollbacks/`.
 */
export interface RollbackPredicate {
  pipeline: { name: string; path: string };
  /** The working tree's version before the rollback; null when its pipeline file did not load. */
  from: { version: string | null };
  to: { version: string };
  /** The evaluation bundle that proves the restored version. */
  target: {
    path: string;
    statementSha256: string;
    fileSha256: string;
    /** Principals whose trusted signatures the target bundle carries. */
    signers: string[];
    /** Principals whose approvals counted, empty when the pipeline requires none. */
    approvers: string[];
  };
  /** The pipeline file and every material, sorted by path. */
  restored: RestoredFile[];
  /** Project paths deleted because the restored `materials:` globs would otherwise have included them. */
  removed: string[];
  /** `git config user.email` of the user who ran the rollback, when set. */
  by: string | null;
  at: string;
  git: { commitBefore: string | null; branch?: string };
  ci: CiInfo;
  tool: { name: 'proofgate'; version: string };
}

export interface RollbackStatement {
  _type: typeof STATEMENT_TYPE;
  /** The restored version, named like an evaluation statement's subject. */
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof ROLLBACK_PREDICATE_TYPE;
  predicate: RollbackPredicate;
}
