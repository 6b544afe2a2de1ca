import path from 'node:path';

import { sshFingerprint } from '../bundle/keys.js';
import { APPROVAL_NAMESPACE, findTrustedKey, formatAllowedSignersLine, loadTrust, matchesPatternList, type TrustedKey } from '../bundle/trust.js';
import { isProofgateError } from '../errors.js';
import type { EvaluatedBundle } from './evaluated.js';
import { DEFAULT_TRUST_FILE } from './policy.js';
import type { ApprovalMethod } from './statement.js';

/**
 * Looks up a new approval's key in the trust file the evaluated pipeline
 * names (its recorded `approval.trust`, else the default) and returns a
 * warning when the approval would not count there, with the line to add.
 * The deploy gate may read a different trust file (`--trust-ref`), so this
 * is advice only.
 */
export async function findTrustWarning(
  evaluation: EvaluatedBundle,
  root: string,
  principal: string,
  method: ApprovalMethod,
  publicKey: Uint8Array,
): Promise<string | undefined> {
  const file = trustFileOf(evaluation, root);
  const label = path.relative(root, file) || file;
  let trust: TrustedKey[];

  try {
    trust = await loadTrust(file);
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    return `the trust file ${label} could not be read, so this approval was not checked against it`;
  }

  const candidates = method === 'platform' ? trust : trust.filter((entry) => matchesPatternList(principal, entry.principals));

  if (findTrustedKey(candidates, publicKey, APPROVAL_NAMESPACE, new Date()).entry !== undefined) {
    return undefined;
  }

  const owner = method === 'platform' ? 'the CI key' : principal;
  const line = formatAllowedSignersLine(method === 'platform' ? 'ci' : principal, publicKey, [APPROVAL_NAMESPACE]);

  return `key ${sshFingerprint(publicKey)} is not trusted for ${APPROVAL_NAMESPACE} as ${owner} in ${label}, so this approval will not count until the base branch's trust file has a line such as: ${line}`;
}

function trustFileOf(evaluation: EvaluatedBundle, root: string): string {
  const { pipeline } = evaluation.predicate;
  const approval = pipeline.config?.approval as { trust?: unknown } | undefined;

  if (typeof approval?.trust === 'string') {
    return path.resolve(root, path.dirname(pipeline.path), approval.trust);
  }

  return path.join(root, DEFAULT_TRUST_FILE);
}
