import { existsSync } from 'node:fs';
import path from 'node:path';

import { IN_TOTO_PAYLOAD_TYPE } from '../bundle/dsse.js';
import { canonicalBytes } from '../bundle/jcs.js';
import { loadSigningKey, sshFingerprint, type SigningKey } from '../bundle/keys.js';
import { signPayload, verifyPayloadSignature } from '../bundle/sign.js';
import { verifySshSignature } from '../bundle/sshsig.js';
import { APPROVAL_NAMESPACE } from '../bundle/trust.js';
import { toProjectPath } from '../config/files.js';
import { ProofgateError } from '../errors.js';
import { tryGit } from '../git/git.js';
import { findWorkTreeRoot } from '../git/state.js';
import { readEvaluatedBundle, type EvaluatedBundle } from './evaluated.js';
import { readApprovingReview, readGithubEventFile } from './github.js';
import { resolveSshSigningKey, signWithSshKeygen } from './ssh-keygen.js';
import { buildApprovalStatement, type ApprovalMethod, type ApprovalPredicate, type ApprovalStatement } from './statement.js';
import { approvalFileName, readApprovalFile, writeApprovalFile, type ApprovalFile } from './store.js';
import { findTrustWarning } from './trust-warning.js';

export interface ApproveOptions {
  bundleFile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  toolVersion: string;
  comment?: string;
  /** Default: git config user.email. */
  principal?: string;
  /** SSH key for `ssh-keygen -Y sign`; default: git config user.signingkey. */
  sshKey?: string;
  /** A proofgate key (PKCS#8 PEM) to sign with instead of an SSH key. */
  keyFile?: string;
  /** A `pull_request_review` event file: record the platform's review, signed by the CI key. */
  githubEventFile?: string;
  /** Approval time; default now. */
  now?: Date;
  /** Called just before ssh-keygen runs, which may ask for a passphrase or a touch of a security key. */
  onSshSign?: (keyLabel: string) => void;
}

export interface ApproveResult {
  /** Absolute path of the approval file written, or of the existing one when `alreadyRecorded`. */
  file: string;
  /** Absolute path of the approved bundle. */
  bundle: string;
  statementDigest: string;
  principal: string;
  method: ApprovalMethod;
  /** Fingerprint of the key that signed the approval. */
  keyid: string;
  signature: 'sshsig' | 'dsse';
  /** True when this reviewer's platform approval was already recorded, so nothing was written. */
  alreadyRecorded: boolean;
  /** Things that make the approval unlikely to count, such as a key missing from the trust file. */
  warnings: string[];
}

interface Target {
  evaluation: EvaluatedBundle;
  root: string;
  bundlePath: string;
  now: Date;
}

/**
 * Writes a signed approval of a passing evaluation bundle into a new file
 * beside it, and never changes the bundle file. A failing or unsigned bundle,
 * a review that does not match, or a key that signed the evaluation itself
 * raises ProofgateError('VERIFY_FAILED'), which exits 1. Bad input exits 2.
 */
export async function approveBundle(options: ApproveOptions): Promise<ApproveResult> {
  assertCompatibleFlags(options);

  const evaluation = await readEvaluatedBundle(path.resolve(options.cwd, options.bundleFile));

  assertApprovable(evaluation, options.bundleFile);

  const folder = path.dirname(evaluation.file);
  const root = (await findWorkTreeRoot(folder)) ?? folder;
  const target: Target = { evaluation, root, bundlePath: toProjectPath(root, evaluation.file), now: options.now ?? new Date() };

  if (options.githubEventFile !== undefined) {
    return approveFromGithubEvent(target, options, options.githubEventFile);
  }

  return approveAsReviewer(target, options);
}

function assertCompatibleFlags(options: ApproveOptions): void {
  if (options.sshKey !== undefined && options.keyFile !== undefined) {
    throw new ProofgateError('USAGE', 'Pass either --ssh-key (sign with ssh-keygen) or --key (sign with a proofgate key), not both.');
  }

  if (options.githubEventFile !== undefined && (options.sshKey !== undefined || options.principal !== undefined)) {
    throw new ProofgateError('USAGE', '--from-github-event takes the reviewer from the event and signs with the CI key (--key or PROOFGATE_SIGNING_KEY); drop --ssh-key and --principal.');
  }
}

function assertApprovable(evaluation: EvaluatedBundle, name: string): void {
  const { predicate, bundle } = evaluation;

  if (predicate.verdict !== 'pass') {
    const failed = (predicate.gates ?? []).filter((gate) => !gate.passed).map((gate) => gate.source);
    const gates = failed.length === 0 ? '' : ` (failed gates: ${failed.join('; ')})`;

    throw new ProofgateError('VERIFY_FAILED', `${name} has verdict ${String(predicate.verdict)}${gates}, and reviewers approve passing evaluations only. Fix the failures and run again.`);
  }

  if (bundle.signatures.length === 0) {
    throw new ProofgateError('VERIFY_FAILED', `${name} is unsigned, so an approval of it would never count. Run the evaluation again with --key or PROOFGATE_SIGNING_KEY.`);
  }
}

async function approveAsReviewer(target: Target, options: ApproveOptions): Promise<ApproveResult> {
  const principal = validatePrincipal(options.principal ?? (await gitEmail(options.cwd)));
  const file = await claimFileName(target, principal);
  const statement = buildStatement(target, options, { principal, method: 'signature' });
  const payload = canonicalBytes(statement);

  if (options.keyFile !== undefined) {
    const key = await loadReviewerKey(options.keyFile, target.evaluation);
    const content = dsseApproval(statement, payload, key);

    return finish(target, file, content, { principal, method: 'signature', signature: 'dsse', publicKey: key.publicKey });
  }

  const sshKey = await resolveSshSigningKey(options.sshKey, options.cwd);

  options.onSshSign?.(sshKey.label);

  const armored = await signWithSshKeygen(payload, sshKey, APPROVAL_NAMESPACE);
  const check = verifySshSignature(payload, armored, APPROVAL_NAMESPACE);

  if (!check.valid) {
    throw new ProofgateError('KEY_INVALID', `The signature ssh-keygen made with ${sshKey.label} cannot be used: ${check.problem}.`);
  }

  assertNotEvaluationSigner(check.publicKey, target.evaluation);

  const content: ApprovalFile = { approval: 'proofgate/v1', payloadType: IN_TOTO_PAYLOAD_TYPE, statement: asRecord(statement), sshsig: armored };

  return finish(target, file, content, { principal, method: 'signature', signature: 'sshsig', publicKey: check.publicKey });
}

async function approveFromGithubEvent(target: Target, options: ApproveOptions, eventFile: string): Promise<ApproveResult> {
  const key = await loadSigningKey({ keyFile: options.keyFile, env: options.env });

  if (key === undefined) {
    throw new ProofgateError('KEY_MISSING', 'A platform approval is signed by the CI key: pass --key FILE or set PROOFGATE_SIGNING_KEY.');
  }

  const event = await readGithubEventFile(path.resolve(options.cwd, eventFile));
  const { review, problems } = readApprovingReview(event, target.evaluation.predicate.git?.commit);

  if (review === undefined) {
    throw new ProofgateError('VERIFY_FAILED', `The GitHub review in ${eventFile} cannot approve ${target.bundlePath}: ${problems[0] ?? 'it is not an approving review'}.`, {
      details: problems.slice(1),
    });
  }

  const { submittedAt, ...platform } = review;
  const principal = `github:${review.login}`;
  const existing = await findRecordedReview(target, principal, review.userId);

  if (existing !== undefined) {
    return { ...existing, keyid: sshFingerprint(key.publicKey) };
  }

  const file = await claimFileName(target, principal);
  const approvedAt = submittedAt === undefined ? target.now : new Date(submittedAt);
  const statement = buildStatement({ ...target, now: approvedAt }, options, { principal, method: 'platform' }, platform);
  const content = dsseApproval(statement, canonicalBytes(statement), key);

  return finish(target, file, content, { principal, method: 'platform', signature: 'dsse', publicKey: key.publicKey });
}

function buildStatement(
  target: Target,
  options: ApproveOptions,
  approver: ApprovalPredicate['approver'],
  platform?: ApprovalPredicate['platform'],
): ApprovalStatement {
  const { predicate } = target.evaluation;
  const approval: ApprovalPredicate = {
    bundle: target.bundlePath,
    pipeline: predicate.pipeline.name,
    version: predicate.pipeline.version,
    verdict: 'pass',
    approver,
    approvedAt: target.now.toISOString(),
    ...(options.comment === undefined ? {} : { comment: options.comment }),
    ...(platform === undefined ? {} : { platform }),
    tool: { name: 'proofgate', version: options.toolVersion },
  };

  return buildApprovalStatement(approval, target.evaluation.digest);
}

function dsseApproval(statement: ApprovalStatement, payload: Buffer, key: SigningKey): ApprovalFile {
  return {
    approval: 'proofgate/v1',
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    statement: asRecord(statement),
    signatures: [signPayload(IN_TOTO_PAYLOAD_TYPE, payload, key)],
  };
}

async function finish(
  target: Target,
  file: string,
  content: ApprovalFile,
  made: { principal: string; method: ApprovalMethod; signature: 'sshsig' | 'dsse'; publicKey: Uint8Array },
): Promise<ApproveResult> {
  await writeApprovalFile(file, content);

  const warning = await findTrustWarning(target.evaluation, target.root, made.principal, made.method, made.publicKey);

  return {
    file,
    bundle: target.evaluation.file,
    statementDigest: target.evaluation.digest,
    principal: made.principal,
    method: made.method,
    keyid: sshFingerprint(made.publicKey),
    signature: made.signature,
    alreadyRecorded: false,
    warnings: warning === undefined ? [] : [warning],
  };
}

// Checked before signing, so a reviewer with a hardware key is not asked to
// touch it for an approval that cannot be written.
async function claimFileName(target: Target, principal: string): Promise<string> {
  const file = path.join(path.dirname(target.evaluation.file), approvalFileName(target.evaluation.file, principal));

  if (existsSync(file)) {
    throw new ProofgateError('USAGE', `${principal} already approved ${target.bundlePath} in ${path.basename(file)}. Delete that file first to approve again (for example to change the comment).`);
  }

  return file;
}

// CI jobs rerun on the same review event, so recording it twice is not an error.
async function findRecordedReview(target: Target, principal: string, userId: number): Promise<ApproveResult | undefined> {
  const file = path.join(path.dirname(target.evaluation.file), approvalFileName(target.evaluation.file, principal));

  if (!existsSync(file)) {
    return undefined;
  }

  const existing = await readApprovalFile(file);
  const predicate = existing.statement.predicate as unknown as ApprovalPredicate;

  if (predicate.approver?.method !== 'platform' || predicate.platform?.userId !== userId) {
    return undefined;
  }

  return {
    file,
    bundle: target.evaluation.file,
    statementDigest: target.evaluation.digest,
    principal,
    method: 'platform',
    keyid: '',
    signature: 'dsse',
    alreadyRecorded: true,
    warnings: [],
  };
}

async function loadReviewerKey(keyFile: string, evaluation: EvaluatedBundle): Promise<SigningKey> {
  const key = await loadSigningKey({ keyFile, env: {} });

  if (key === undefined) {
    throw new ProofgateError('KEY_MISSING', `No signing key was read from ${keyFile}.`);
  }

  assertNotEvaluationSigner(key.publicKey, evaluation);

  return key;
}

function assertNotEvaluationSigner(publicKey: Uint8Array, evaluation: EvaluatedBundle): void {
  const signed = evaluation.bundle.signatures.some((signature) =>
    verifyPayloadSignature(evaluation.bundle.payloadType, evaluation.payload, signature, publicKey),
  );

  if (signed) {
    throw new ProofgateError('VERIFY_FAILED', `Key ${sshFingerprint(publicKey)} signed this evaluation, and the key that signed an evaluation cannot approve it. Approve with a reviewer's own key.`);
  }
}

async function gitEmail(cwd: string): Promise<string> {
  const email = await tryGit(['config', '--get', 'user.email'], cwd);

  if (email === undefined || email === '') {
    throw new ProofgateError('USAGE', 'No approver principal: pass --principal NAME or set `git config user.email`. It must match a principal of your key in the trust file.');
  }

  return email;
}

function validatePrincipal(principal: string): string {
  // allowed_signers splits principals on commas and treats * ? ! as patterns.
  if (principal === '' || /[\s,"*?!]/.test(principal)) {
    throw new ProofgateError('USAGE', `The principal ${JSON.stringify(principal)} must be non-empty, without spaces, commas, quotes or the pattern characters * ? !, such as alice@example.com.`);
  }

  return principal;
}

function asRecord(statement: ApprovalStatement): ApprovalFile['statement'] {
  return statement as unknown as ApprovalFile['statement'];
}
