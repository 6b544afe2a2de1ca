import path from 'node:path';
import { loadTrust } from '../bundle/trust.js';
import { EXIT, ProofgateError } from '../errors.js';
import { findWorkTreeRoot } from '../git/state.js';
import { createStyle } from '../report/style.js';
import { verifyBundle, type BundleVerification } from '../verify/bundle.js';
import { verifyPipeline } from '../verify/pipeline.js';
import { setExitCode } from './exit.js';
import type { VerifyCommandOptions } from './program.js';

/** `proofgate verify`: exit 0 only when every named bundle (or the pipeline's current version) verifies. */
export async function verifyCommand(bundles: string[], options: VerifyCommandOptions): Promise<void> {
  if (bundles.length === 0 && !options.pipeline) {
    throw new ProofgateError('USAGE', 'name the bundles to verify, or pass --pipeline FILE to verify the working tree\'s version');
  }

  const cwd = process.cwd();
  const root = (await findWorkTreeRoot(cwd)) ?? cwd;
  const trustFile = options.trust ? path.resolve(cwd, options.trust) : path.join(root, '.proofgate', 'allowed_signers');
  const trust = await loadTrust(trustFile);
  const style = createStyle(process.stderr, process.env);
  const write = (line: string) => process.stderr.write(`${line}\n`);

  if (options.pipeline) {
    const result = await verifyPipeline(options.pipeline, cwd, trust);
    if (result.accepted) {
      write(`${style.green('OK')}  ${result.pipeline} version ${result.version.slice(0, 12)} is proven by ${path.relative(cwd, result.accepted.file)}`);
      write(`    signed by ${result.accepted.signers.map((signer) => `${signer.principal} (${signer.keyid})`).join(', ')}`);
    } else {
      write(`${style.red('FAIL')}  ${result.pipeline} version ${result.version.slice(0, 12)}`);
      for (const problem of result.problems) write(`  ${problem}`);
      for (const candidate of result.rejected) printBundle(candidate, cwd, style, write);
    }
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    setExitCode(result.ok ? EXIT.ok : EXIT.gateFailed);
    return;
  }

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
