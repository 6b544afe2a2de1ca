import path from 'node:path';
import type { ApprovalEvaluation } from '../approval/evaluate.js';
import { readGovernance, readTrust } from '../approval/trust-source.js';
import { loadPipeline } from '../config/load.js';
import { EXIT, ProofgateError } from '../errors.js';
import { findWorkTreeRoot } from '../git/state.js';
import { createStyle } from '../report/style.js';
import { verifyBundle, type BundleVerification } from '../verify/bundle.js';
import { verifyPipeline } from '../verify/pipeline.js';
import { setExitCode } from './exit.js';
import type { VerifyCommandOptions } from './program.js';

type Write = (line: string) => void;

/** `proofgate verify`: exit 0 only when every named bundle (or the pipeline's current version) verifies. */
export async function verifyCommand(bundles: string[], options: VerifyCommandOptions): Promise<void> {
  if (bundles.length === 0 && !options.pipeline) {
    throw new ProofgateError('USAGE', 'name the bundles to verify, or pass --pipeline FILE to verify the working tree\'s version');
  }

  if (options.requireApproval && !options.pipeline) {
    throw new ProofgateError('USAGE', '--require-approval works with --pipeline FILE, which finds the bundle for the working tree\'s version and its approval policy');
  }

  const cwd = process.cwd();
  const style = createStyle(process.stderr, process.env);
  const write: Write = (line) => process.stderr.write(`${line}\n`);

  if (options.pipeline) {
    await verifyPipelineCommand(options.pipeline, options, cwd, style, write);
    return;
  }

  const root = (await findWorkTreeRoot(cwd)) ?? cwd;
  const trustFile = options.trust ? path.resolve(cwd, options.trust) : path.join(root, '.proofgate', 'allowed_signers');
  const trust = (await readTrust({ file: trustFile, ref: options.trustRef })).entries;

  const results: BundleVerification[] = [];
  for (const bundle of bundles) {
    const result = await verifyBundle(path.resolve(cwd, bundle), trust, root);
    results.push(result);
    printBundle(result, cwd, style, write);
  }

  if (options.json) process.stdout.write(`${JSON.stringify({ ok: results.every((result) => result.ok), bundles: results }, null, 2)}\n`);
  setExitCode(results.every((result) => result.ok) ? EXIT.ok : EXIT.gateFailed);
}

function printBundle(result: BundleVerification, cwd: string, style: ReturnType<typeof createStyle>, write: (line: string) => void): void {
  const name = path.relative(cwd, result.file) || result.file;
  if (result.ok) {
    const signers = result.signers.map((signer) => `${signer.principal} (${signer.keyid})`).join(', ');
    write(`${style.green('OK')}  ${name}: verdict ${result.verdict}, signed by ${signers}, working tree matches`);
    return;
  }

  write(`${style.red('FAIL')}  ${name}`);
  for (const problem of result.problems) write(`  ${problem}`);
}

// The deploy gate: the bundle, its signers and (with --require-approval) its
// approvers on success; otherwise every reason on its own line.
async function verifyPipelineCommand(pipelineFile: string, options: VerifyCommandOptions, cwd: string, style: ReturnType<typeof createStyle>, write: Write): Promise<void> {
  const pipeline = await loadPipeline(pipelineFile, cwd);
  const governance = await readGovernance(pipeline, { trustFile: options.trust ? path.resolve(cwd, options.trust) : undefined, ref: options.trustRef });
  const result = await verifyPipeline(pipelineFile, cwd, governance.trust.entries, { pipeline, policy: governance.policy, requireApproval: options.requireApproval });

  if (result.accepted) {
    write(`${style.green('OK')}  ${result.pipeline} version ${result.version.slice(0, 12)} is proven by ${path.relative(cwd, result.accepted.file)}`);
    write(`    signed by ${result.accepted.signers.map((signer) => `${signer.principal} (${signer.keyid})`).join(', ')}`);
    if (result.approval) printApprovers(result.approval, write);
  } else {
    write(`${style.red('FAIL')}  ${result.pipeline} version ${result.version.slice(0, 12)}`);
    for (const problem of result.problems) write(`  ${problem}`);
    for (const candidate of result.rejected) printBundle(candidate, cwd, style, write);
  }

  if (options.trustRef || options.requireApproval) for (const note of governance.notes) write(`    ${note}`);
  if (options.json) process.stdout.write(`${JSON.stringify({ ...result, trust: governance.trust.label }, null, 2)}\n`);
  setExitCode(result.ok ? EXIT.ok : EXIT.gateFailed);
}

function printApprovers(approval: ApprovalEvaluation, write: Write): void {
  if (approval.exemption !== undefined) write(`    approval not required: ${approval.exemption}`);

  const approvers = approval.approvers.map((approver) => `${approver.principal} (${approver.method}, ${approver.keyid})`);
  if (approvers.length > 0) write(`    approved by ${approvers.join(', ')}: ${approvers.length} of ${approval.required} required`);
  else if (approval.exemption === undefined) write(`    no approval required (approval.required is ${approval.required})`);
}

