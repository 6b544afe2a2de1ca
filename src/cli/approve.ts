import path from 'node:path';
import { approveBundle } from '../approval/approve.js';
import { EXIT } from '../errors.js';
import { createStyle } from '../report/style.js';
import { setExitCode } from './exit.js';
import type { ApproveCommandOptions } from './program.js';
import { toolVersion } from './version.js';

/** `proofgate approve BUNDLE`: sign an approval of a passing bundle into its own file. */
export async function approveCommand(bundle: string, options: ApproveCommandOptions): Promise<void> {
  const cwd = process.cwd();
  const style = createStyle(process.stderr, process.env);
  const write = (line: string) => process.stderr.write(`${line}\n`);

  const result = await approveBundle({
    bundleFile: bundle,
    cwd,
    env: process.env,
    toolVersion: toolVersion(),
    comment: options.comment,
    principal: options.principal,
    sshKey: options.sshKey,
    keyFile: options.key,
    githubEventFile: options.fromGithubEvent,
    onSshSign: (label) => write(`proofgate: signing with ssh-keygen and ${label} (it may ask for the passphrase or a touch of the security key)`),
  });

  const file = path.relative(cwd, result.file) || result.file;
  const signedWith = result.method === 'platform' ? 'a platform review recorded by the CI key' : `key ${result.keyid}`;

  if (result.alreadyRecorded) {
    write(`${style.green('OK')}  ${result.principal}'s review is already recorded in ${file}; nothing was written`);
  } else {
    write(`${style.green('OK')}  ${result.principal} approved ${path.relative(cwd, result.bundle) || result.bundle} with ${signedWith}`);
    write(`    wrote ${file} (statement digest ${result.statementDigest.slice(0, 12)}); commit it beside the bundle`);
  }

  for (const warning of result.warnings) write(`${style.yellow('warning:')} ${warning}`);

  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  setExitCode(EXIT.ok);
}
