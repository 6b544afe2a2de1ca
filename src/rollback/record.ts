import path from 'node:path';
import { IN_TOTO_PAYLOAD_TYPE } from '../bundle/dsse.js';
import { canonicalBytes } from '../bundle/jcs.js';
import type { SigningKey } from '../bundle/keys.js';
import { signPayload } from '../bundle/sign.js';
import {
  BUNDLE_FORMAT,
  ROLLBACK_PREDICATE_TYPE,
  STATEMENT_TYPE,
  type RollbackPredicate,
  type RollbackStatement,
} from '../bundle/statement.js';
import { bundleFileName, readBundleFile, verifyBundleSignatures, writeBundleFile } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { isProofgateError } from '../errors.js';

/** Rollback records live in this folder under `proofs/<name>/`, apart from the evaluation bundles. */
export const ROLLBACK_FOLDER = 'rollbacks';

/** Wraps a rollback predicate in an in-toto Statement whose subject is the restored version. */
export function buildRollbackStatement(predicate: RollbackPredicate): RollbackStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: predicate.pipeline.name, digest: { sha256: predicate.to.version } }],
    predicateType: ROLLBACK_PREDICATE_TYPE,
    predicate,
  };
}

/**
 * Signs the statement (when a key is given) over PAE(payloadType,
 * JCS(statement)), as evaluation bundles are signed, and writes it as
 * `<proofsDir>/<name>/rollbacks/<time>-<12 hex of the restored version>.json`.
 * Returns the absolute path of the new file.
 */
export async function writeRollbackRecord(proofsDir: string, statement: RollbackStatement, key: SigningKey | undefined): Promise<string> {
  const signatures = key === undefined ? [] : [signPayload(IN_TOTO_PAYLOAD_TYPE, canonicalBytes(statement), key)];
  const file = { bundle: BUNDLE_FORMAT, payloadType: IN_TOTO_PAYLOAD_TYPE, statement, signatures };
  const dir = path.join(proofsDir, statement.predicate.pipeline.name, ROLLBACK_FOLDER);
  const name = bundleFileName(new Date(statement.predicate.at), statement.predicate.to.version);

  return writeBundleFile(dir, name, [`${JSON.stringify(file, null, 2)}\n`]);
}

/** The outcome of checking one rollback record. */
export interface RollbackRecordVerification {
  ok: boolean;
  signers: Array<{ keyid: string; principal: string }>;
  problems: string[];
  predicate?: RollbackPredicate;
}

/**
 * Verifies a rollback record: its shape, its predicate type, and a trusted
 * signature (keys trusted for evaluation bundles, the namespace the CI key
 * signs in) with no signature that fails.
 */
export async function verifyRollbackRecord(file: string, trust: TrustedKey[], at = new Date()): Promise<RollbackRecordVerification> {
  let bundle;

  try {
    bundle = await readBundleFile(file);
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    return { ok: false, signers: [], problems: [error.message] };
  }

  const { trusted, problems } = verifyBundleSignatures(bundle, trust, at);

  if (bundle.statement._type !== STATEMENT_TYPE || bundle.statement.predicateType !== ROLLBACK_PREDICATE_TYPE) {
    problems.push(`not a proofgate rollback record (predicateType ${bundle.statement.predicateType})`);
  }

  const predicate = bundle.statement.predicate as unknown as RollbackPredicate;

  return { ok: problems.length === 0 && trusted.length > 0, signers: trusted, problems, predicate };
}
