import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { approvalFileName, type ApprovalFile } from '../../src/approval/store.js';
import { buildApprovalStatement, type ApprovalPredicate } from '../../src/approval/statement.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../../src/bundle/dsse.js';
import { canonicalBytes, sha256Hex } from '../../src/bundle/jcs.js';
import { publicKeyToSshLine, type SigningKey } from '../../src/bundle/keys.js';
import { signPayload } from '../../src/bundle/sign.js';
import { signSshMessage } from '../../src/bundle/sshsig.js';
import { APPROVAL_NAMESPACE, EVAL_NAMESPACE } from '../../src/bundle/trust.js';
import { bundleFileName } from '../../src/bundle/store.js';

export interface EvalBundleSpec {
  name?: string;
  config?: Record<string, unknown>;
  materials?: Array<{ path: string; sha256: string; gitBlob?: string }>;
  verdict?: 'pass' | 'fail';
  commit?: string;
  key?: SigningKey;
  finishedAt: Date;
}

/** Writes a signed evaluation bundle into `dir` and returns its path and statement digest. */
export function writeEvalBundle(dir: string, spec: EvalBundleSpec): { file: string; digest: string; version: string } {
  const config = spec.config ?? { name: spec.name ?? 'faq', config: { prompt: 'file:prompt.md' } };
  const materials = (spec.materials ?? [{ path: 'prompt.md', sha256: 'a'.repeat(64) }]).map((material) => ({ gitBlob: 'b'.repeat(40), ...material }));
  const version = sha256Hex(canonicalBytes({ config, materials }));
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: spec.name ?? 'faq', digest: { sha256: version } }],
    predicateType: 'https://proofgate.dev/attestation/eval/v1',
    predicate: {
      pipeline: { name: spec.name ?? 'faq', path: 'pipeline.yaml', sha256: 'c'.repeat(64), gitBlob: 'd'.repeat(40), version, config },
      materials,
      verdict: spec.verdict ?? 'pass',
      gates: spec.verdict === 'fail' ? [{ source: 'accuracy >= 1', passed: false }] : [],
      git: spec.commit === undefined ? {} : { commit: spec.commit },
      finishedAt: spec.finishedAt.toISOString(),
    },
  };
  const payload = canonicalBytes(statement);
  const signatures = spec.key === undefined ? [] : [signPayload(IN_TOTO_PAYLOAD_TYPE, payload, spec.key)];
  const file = path.join(dir, bundleFileName(spec.finishedAt, version));

  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ bundle: 'proofgate/v1', payloadType: IN_TOTO_PAYLOAD_TYPE, statement, signatures }, null, 2)}\n`);

  return { file, digest: sha256Hex(payload), version };
}

export interface ApprovalSpec {
  principal: string;
  key: SigningKey;
  /** sshsig (the reviewer's SSH key) or dsse (a proofgate key). */
  signature?: 'sshsig' | 'dsse';
  method?: 'signature' | 'platform';
  approvedAt?: Date;
  digest?: string;
  platform?: ApprovalPredicate['platform'];
  /** Written under this principal's file name instead, to put two approvals of one principal side by side. */
  fileLabel?: string;
}

/** Writes an approval file beside `bundle`, signed as the spec requests, bypassing every check of `approve`. */
export function writeApproval(bundle: { file: string; digest: string; version: string }, spec: ApprovalSpec): string {
  const predicate: ApprovalPredicate = {
    bundle: path.basename(bundle.file),
    pipeline: 'faq',
    version: bundle.version,
    verdict: 'pass',
    approver: { principal: spec.principal, method: spec.method ?? 'signature' },
    approvedAt: (spec.approvedAt ?? new Date()).toISOString(),
    ...(spec.platform === undefined ? {} : { platform: spec.platform }),
    tool: { name: 'proofgate', version: 'test' },
  };
  const statement = buildApprovalStatement(predicate, spec.digest ?? bundle.digest);
  const payload = canonicalBytes(statement);
  const content: ApprovalFile = {
    approval: 'proofgate/v1',
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    statement: statement as unknown as ApprovalFile['statement'],
    ...((spec.signature ?? 'sshsig') === 'sshsig'
      ? { sshsig: signSshMessage(payload, spec.key, APPROVAL_NAMESPACE) }
      : { signatures: [signPayload(IN_TOTO_PAYLOAD_TYPE, payload, spec.key)] }),
  };
  const file = path.join(path.dirname(bundle.file), approvalFileName(bundle.file, spec.fileLabel ?? spec.principal));

  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);

  return file;
}

/** Formats an allowed_signers line limited to the evaluation or the approval namespace. */
export function trustLine(principal: string, key: SigningKey, namespace: 'eval' | 'approval' | 'both', options = ''): string {
  const byName = { eval: EVAL_NAMESPACE, approval: APPROVAL_NAMESPACE, both: `${EVAL_NAMESPACE},${APPROVAL_NAMESPACE}` };
  const namespaces = byName[namespace];

  return `${principal} namespaces="${namespaces}"${options} ${publicKeyToSshLine(key.publicKey)}`;
}
