import path from 'node:path';

import { canonicalBytes, sha256Hex } from '../bundle/jcs.js';
import { EVAL_PREDICATE_TYPE, STATEMENT_TYPE, type EvalPredicate } from '../bundle/statement.js';
import { readBundleFile, type BundleFile } from '../bundle/store.js';
import { ProofgateError } from '../errors.js';

/** An evaluation bundle with the bytes and digest that approvals refer to. */
export interface EvaluatedBundle {
  /** Absolute path of the bundle file. */
  file: string;
  bundle: BundleFile;
  /** JCS bytes of the statement: what the evaluation signatures cover. */
  payload: Buffer;
  /** sha256 hex of `payload`, the subject digest of every approval of this bundle. */
  digest: string;
  predicate: EvalPredicate;
}

/**
 * Reads an evaluation bundle and computes its statement digest. Throws
 * ProofgateError('BUNDLE_INVALID') for a file that is not a proofgate
 * evaluation bundle; signatures are not checked here.
 */
export async function readEvaluatedBundle(file: string): Promise<EvaluatedBundle> {
  const absolute = path.resolve(file);
  const bundle = await readBundleFile(absolute);
  const { statement } = bundle;

  if (statement._type !== STATEMENT_TYPE || statement.predicateType !== EVAL_PREDICATE_TYPE) {
    throw new ProofgateError('BUNDLE_INVALID', `${file}: not a proofgate evaluation bundle (predicateType ${JSON.stringify(statement.predicateType)}); approvals apply to evaluation bundles only.`);
  }

  let payload: Buffer;

  try {
    payload = canonicalBytes(statement);
  } catch (error) {
    throw new ProofgateError('BUNDLE_INVALID', `${file}: the statement cannot be canonicalized: ${(error as Error).message}`, { cause: error });
  }

  return { file: absolute, bundle, payload, digest: sha256Hex(payload), predicate: statement.predicate as unknown as EvalPredicate };
}
