import type { CiInfo } from '../ci/detect.js';
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
  startedAt: string;
  finishedAt: string;
  tool: { name: 'proofgate'; version: string };
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
