import path from 'node:path';
import type { EvalPredicate } from '../bundle/statement.js';
import { EVAL_PREDICATE_TYPE, STATEMENT_TYPE } from '../bundle/statement.js';
import { readBundleFile, verifyBundleSignatures } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { isProofgateError } from '../errors.js';
import { checkWorkingTree } from './tree.js';

export interface BundleVerification {
  file: string;
  ok: boolean;
  pipeline?: string;
  version?: string;
  verdict?: string;
  signers: Array<{ keyid: string; principal: string }>;
  problems: string[];
}

/**
 * Verifies one bundle: its shape, a trusted signature over the exact
 * statement, a passing verdict, and that the working tree still contains the
 * files it tested.
 */
export async function verifyBundle(file: string, trust: TrustedKey[], root: string, loaded?: LoadedPipeline): Promise<BundleVerification> {
  let bundle;
  try {
    bundle = await readBundleFile(file);
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    return { file, ok: false, signers: [], problems: [error.message] };
  }

  const problems: string[] = [];
  const { trusted, problems: signatureProblems } = verifyBundleSignatures(bundle, trust, new Date());
  problems.push(...signatureProblems);

  const { statement } = bundle;
  if (statement._type !== STATEMENT_TYPE || statement.predicateType !== EVAL_PREDICATE_TYPE) {
    problems.push(`not a proofgate evaluation statement (predicateType ${String(statement.predicateType)})`);
    return { file, ok: false, signers: trusted, problems };
  }

  const predicate = statement.predicate as unknown as EvalPredicate;
  const subjectDigest = (statement.subject[0] as { digest?: { sha256?: string } } | undefined)?.digest?.sha256;
  if (subjectDigest !== predicate.pipeline?.version) problems.push('the subject digest does not match the recorded pipeline version');
  if (predicate.verdict !== 'pass') problems.push(`verdict is ${String(predicate.verdict)}: ${failedGates(predicate)}`);

  problems.push(...(await checkWorkingTree(predicate, root, loaded)));

  return {
    file: path.resolve(file),
    ok: problems.length === 0 && trusted.length > 0,
    pipeline: predicate.pipeline?.name,
    version: predicate.pipeline?.version,
    verdict: predicate.verdict,
    signers: trusted,
    problems,
  };
}

function failedGates(predicate: EvalPredicate): string {
  const failed = (predicate.gates ?? []).filter((gate) => !gate.passed).map((gate) => gate.source);
  return failed.length === 0 ? 'no gate failed' : `failed gates: ${failed.join('; ')}`;
}
