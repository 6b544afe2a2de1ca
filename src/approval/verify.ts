import { IN_TOTO_PAYLOAD_TYPE } from '../bundle/dsse.js';
import { canonicalBytes } from '../bundle/jcs.js';
import { sshFingerprint } from '../bundle/keys.js';
import { verifyPayloadSignature, type BundleSignature } from '../bundle/sign.js';
import { verifySshSignature } from '../bundle/sshsig.js';
import { STATEMENT_TYPE } from '../bundle/statement.js';
import { APPROVAL_NAMESPACE, findTrustedKey, matchesPatternList, type TrustedKey } from '../bundle/trust.js';
import { isProofgateError } from '../errors.js';
import type { EvaluatedBundle } from './evaluated.js';
import { APPROVAL_METHODS, APPROVAL_PREDICATE_TYPE, type ApprovalMethod, type ApprovalPredicate } from './statement.js';
import { readApprovalFile, type ApprovalFile } from './store.js';

/** An approval whose signature, subject and signer all checked out. */
export interface VerifiedApproval {
  file: string;
  principal: string;
  method: ApprovalMethod;
  /** Fingerprint of the key that signed the approval. */
  keyid: string;
  /** The identity counted once: the principal, or `github:<user id>` for a platform approval. */
  identity: string;
  approvedAt: string;
}

export interface ApprovalCheckContext {
  evaluation: EvaluatedBundle;
  trust: TrustedKey[];
  accept: readonly ApprovalMethod[];
  /** Verification time; the signer's key must be valid now and at the approval's own time. */
  at: Date;
}

/**
 * Verifies one approval file against an evaluation bundle. It checks the
 * shape, that the subject is this bundle's statement digest, and that the
 * method is accepted. The signature must verify with a key trusted for
 * proofgate-approval@v1, under the approver's principal for a signature
 * approval, and a reviewer's key must not have signed the evaluation.
 * Returns the approval, or one sentence saying why it does not count.
 */
export async function verifyApprovalFile(file: string, context: ApprovalCheckContext): Promise<VerifiedApproval | string> {
  let approval: ApprovalFile;

  try {
    approval = await readApprovalFile(file);
  } catch (error) {
    if (!isProofgateError(error)) throw error;
    return error.message;
  }

  const predicate = approval.statement.predicate as unknown as ApprovalPredicate;
  const problem = findStatementProblem(approval, predicate, context);

  if (problem !== undefined) {
    return problem;
  }

  const signer = findSigner(approval, predicate.approver.method, context.trust);

  if (typeof signer === 'string') {
    return signer;
  }

  const rejection = findSignerProblem(signer, predicate, context);

  return rejection ?? {
    file,
    principal: predicate.approver.principal,
    method: predicate.approver.method,
    keyid: sshFingerprint(signer),
    identity: predicate.approver.method === 'platform' ? `github:${predicate.platform?.userId}` : predicate.approver.principal,
    approvedAt: predicate.approvedAt,
  };
}

function findStatementProblem(approval: ApprovalFile, predicate: ApprovalPredicate, context: ApprovalCheckContext): string | undefined {
  const { statement } = approval;
  const subjectDigest = (statement.subject[0] as { digest?: { sha256?: unknown } } | undefined)?.digest?.sha256;

  if (statement._type !== STATEMENT_TYPE || statement.predicateType !== APPROVAL_PREDICATE_TYPE) {
    return `not a proofgate approval statement (predicateType ${JSON.stringify(statement.predicateType)})`;
  }

  if (subjectDigest !== context.evaluation.digest) {
    return `approves a different evaluation: its subject digest is ${String(subjectDigest).slice(0, 12)}, but this bundle's statement digest is ${context.evaluation.digest.slice(0, 12)}`;
  }

  const approver = predicate.approver as Partial<ApprovalPredicate['approver']> | undefined;

  if (typeof approver?.principal !== 'string' || approver.principal === '' || !APPROVAL_METHODS.includes(approver.method as ApprovalMethod)) {
    return 'the approval has no valid approver.principal and approver.method';
  }

  if (typeof predicate.approvedAt !== 'string' || Number.isNaN(Date.parse(predicate.approvedAt))) {
    return `approvedAt ${JSON.stringify(predicate.approvedAt)} is not an ISO 8601 time`;
  }

  if (!context.accept.includes(approver.method as ApprovalMethod)) {
    return `approval by ${approver.principal} is a ${approver.method} approval, which the policy does not accept (approval.accept is ${context.accept.join(', ')})`;
  }

  return approver.method === 'platform' ? findPlatformProblem(predicate, context.evaluation) : undefined;
}

function findPlatformProblem(predicate: ApprovalPredicate, evaluation: EvaluatedBundle): string | undefined {
  const platform = predicate.platform;

  if (platform?.provider !== 'github' || typeof platform.userId !== 'number' || typeof platform.login !== 'string') {
    return 'the platform approval does not record a GitHub review (platform.provider, login and userId)';
  }

  if (predicate.approver.principal !== `github:${platform.login}`) {
    return `the platform approval names principal ${predicate.approver.principal}, but the review is by github:${platform.login}`;
  }

  const evaluated = evaluation.predicate.git?.commit;

  if (evaluated === undefined || platform.commit !== evaluated) {
    return `the review by github:${platform.login} is of commit ${String(platform.commit).slice(0, 12)}, but the evaluation ran on ${evaluated === undefined ? 'an unknown commit' : evaluated.slice(0, 12)}`;
  }

  return undefined;
}

// Platform approvals must carry DSSE signatures: the CI key asserts what the
// platform reported, and only reviewers sign with SSH keys.
function findSigner(approval: ApprovalFile, method: ApprovalMethod, trust: TrustedKey[]): Uint8Array | string {
  let payload: Buffer;

  try {
    payload = canonicalBytes(approval.statement);
  } catch (error) {
    return `the approval statement cannot be canonicalized: ${(error as Error).message}`;
  }

  if (approval.sshsig !== undefined) {
    if (method === 'platform') {
      return 'a platform approval must be signed by the CI key (DSSE signatures), not with an SSH signature';
    }

    const check = verifySshSignature(payload, approval.sshsig, APPROVAL_NAMESPACE);

    return check.valid ? check.publicKey : check.problem;
  }

  if (approval.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return `payload type is "${approval.payloadType}" instead of "${IN_TOTO_PAYLOAD_TYPE}"`;
  }

  return findDsseSigner(payload, approval.signatures ?? [], trust);
}

function findDsseSigner(payload: Buffer, signatures: BundleSignature[], trust: TrustedKey[]): Uint8Array | string {
  const keys = trust.flatMap((entry) => (entry.publicKey === undefined ? [] : [{ key: entry.publicKey, fingerprint: entry.fingerprint }]));

  for (const signature of signatures) {
    // The keyid only orders the search, because anyone can write any keyid.
    const ordered = [...keys.filter((key) => key.fingerprint === signature.keyid), ...keys.filter((key) => key.fingerprint !== signature.keyid)];
    const match = ordered.find((candidate) => verifyPayloadSignature(IN_TOTO_PAYLOAD_TYPE, payload, signature, candidate.key));

    if (match !== undefined) {
      return match.key;
    }
  }

  return 'no signature of the approval verifies with an ed25519 key in the trust file, so it was made by an untrusted key or changed after signing';
}

function findSignerProblem(signer: Uint8Array, predicate: ApprovalPredicate, context: ApprovalCheckContext): string | undefined {
  const keyid = sshFingerprint(signer);
  const { principal, method } = predicate.approver;
  const candidates = method === 'platform' ? context.trust : context.trust.filter((entry) => matchesPatternList(principal, entry.principals));

  const times = [
    { at: context.at, label: 'now' },
    { at: new Date(predicate.approvedAt), label: `at its approval time ${predicate.approvedAt}` },
  ];

  for (const time of times) {
    const { entry, reason } = findTrustedKey(candidates, signer, APPROVAL_NAMESPACE, time.at);

    if (entry === undefined) {
      return describeUntrusted(keyid, principal, reason === undefined ? undefined : `${reason} (checked ${time.label})`, context.trust, signer);
    }
  }

  if (method === 'signature' && signedEvaluation(signer, context.evaluation)) {
    return `key ${keyid} (${principal}) also signed the evaluation, and the key that signed an evaluation cannot approve it`;
  }

  return undefined;
}

function describeUntrusted(keyid: string, principal: string, reason: string | undefined, trust: TrustedKey[], signer: Uint8Array): string {
  if (reason !== undefined) {
    return `key ${keyid} of ${principal} is not trusted for ${APPROVAL_NAMESPACE}: ${reason}`;
  }

  const otherLines = trust.filter((entry) => entry.publicKey !== undefined && Buffer.from(entry.publicKey).equals(Buffer.from(signer)));

  if (otherLines.length > 0) {
    const principals = otherLines.flatMap((entry) => entry.principals).join(',');

    return `key ${keyid} is trusted only for principals ${principals}, not for ${principal}`;
  }

  return `key ${keyid} of ${principal} is not in the trust file`;
}

function signedEvaluation(key: Uint8Array, evaluation: EvaluatedBundle): boolean {
  return evaluation.bundle.signatures.some((signature) =>
    verifyPayloadSignature(evaluation.bundle.payloadType, evaluation.payload, signature, key),
  );
}

