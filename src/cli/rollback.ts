import path from 'node:path';
import type { ChalkInstance } from 'chalk';
import { EXIT, ProofgateError } from '../errors.js';
import { createStyle } from '../report/style.js';
import { rollbackPipeline, type RollbackOutcome } from '../rollback/rollback.js';
import { setExitCode } from './exit.js';
import type { RollbackCommandOptions } from './program.js';
import { toolVersion } from './version.js';

/** `proofgate rollback NAME --to VERSION|BUNDLE|previous`: the summary goes to stderr, --json data to stdout. */
export async function rollbackCommand(name: string, options: RollbackCommandOptions): Promise<void> {
  if (options.to === undefined || options.to === '') {
    throw new ProofgateError('USAGE', 'name the version to restore with --to VERSION (7 or more hex digits), --to BUNDLE_FILE or --to previous');
  }

  const cwd = process.cwd();
  const style = createStyle(process.stderr, process.env);
  const write = (line: string) => process.stderr.write(`${line}\n`);

  const outcome = await rollbackPipeline({
    name,
    to: options.to,
    cwd,
    env: process.env,
    toolVersion: toolVersion(),
    commit: options.commit === true,
    force: options.force === true,
    keyFile: options.key,
    trustFile: options.trust,
    trustRef: options.trustRef,
  });

  printOutcome(outcome, cwd, style, write);

  if (options.json) {
    process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  }

  setExitCode(EXIT.ok);
}

function printOutcome(outcome: RollbackOutcome, cwd: string, style: ChalkInstance, write: (line: string) => void): void {
  const to = outcome.to.slice(0, 12);
  const relative = (file: string) => path.relative(cwd, file) || file;

  if (outcome.status === 'already-current') {
    write(`${style.green('OK')}  ${outcome.pipeline} is already at version ${to} (${relative(outcome.target)}); nothing was changed`);
    return;
  }

  const from = outcome.from === null ? 'a version that does not load' : outcome.from.slice(0, 12);
  const unchanged = outcome.restored.length - outcome.written.length;

  write(`${style.green('OK')}  rolled back ${outcome.pipeline} from ${from} to ${to}`);
  write(`    target    ${relative(outcome.target)}, signed by ${listOrNone(outcome.signers)}, approved by ${listOrNone(outcome.approvers)}`);
  write(`    restored  ${outcome.written.length === 0 ? 'no file needed changes' : outcome.written.join(', ')}${unchanged > 0 ? ` (${unchanged} already matched)` : ''}`);

  if (outcome.removed.length > 0) write(`    removed   ${outcome.removed.join(', ')}`);

  write(`    record    ${relative(outcome.record ?? '')}${outcome.keyid === undefined ? ' (unsigned)' : `, signed by ${outcome.keyid}`}`);

  if (outcome.commit !== undefined) write(`    commit    ${outcome.commit.slice(0, 12)}`);

  if (outcome.keyid === undefined) {
    write(style.yellow('proofgate: warning: no signing key (--key or PROOFGATE_SIGNING_KEY); the rollback record is unsigned'));
  }

  for (const warning of outcome.warnings) write(style.yellow(`proofgate: warning: ${warning}`));

  const pipeline = relative(outcome.pipelineFile);
  const next = outcome.commit === undefined ? 'review and commit the files, then deploy after' : 'deploy after';
  const approval = outcome.approvalRequired ? ' --require-approval' : '';

  write(`next: ${next} \`proofgate verify --pipeline ${pipeline}${approval}\``);
}

function listOrNone(principals: readonly string[]): string {
  return principals.length === 0 ? 'nobody' : principals.join(', ');
}
