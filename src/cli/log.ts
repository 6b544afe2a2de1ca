import { access } from 'node:fs/promises';
import path from 'node:path';

import { DEFAULT_TRUST_FILE } from '../approval/policy.js';
import { readTrust } from '../approval/trust-source.js';
import type { TrustedKey } from '../bundle/trust.js';
import { EXIT } from '../errors.js';
import { locateProofs, type ProofsLocation } from '../history/locate.js';
import { formatLogText, readLog } from '../history/log.js';
import { setExitCode } from './exit.js';
import type { LogCommandOptions } from './program.js';

/** `proofgate log [NAME]`: prints the bundle history newest first on stdout, as a table or JSON. */
export async function logCommand(name: string | undefined, options: LogCommandOptions): Promise<void> {
  const cwd = process.cwd();
  const location = await locateProofs(cwd, options.proofsDir);
  const trust = await loadOptionalTrust(cwd, location, options);

  const entries = await readLog({ location, ...(name === undefined ? {} : { name }), ...(options.limit === undefined ? {} : { limit: options.limit }), ...(trust === undefined ? {} : { trust }) });

  if (options.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else if (entries.length === 0) process.stderr.write(`no bundles in ${path.relative(cwd, location.proofsDir) || location.proofsDir}\n`);
  else process.stdout.write(formatLogText(entries));

  setExitCode(EXIT.ok);
}

// Approvals can only be listed once verified. A trust file named on the
// command line must exist; without one, the default is used when present.
async function loadOptionalTrust(cwd: string, location: ProofsLocation, options: LogCommandOptions): Promise<TrustedKey[] | undefined> {
  const explicit = options.trust !== undefined || options.trustRef !== undefined;
  const file = options.trust === undefined ? path.join(location.root, DEFAULT_TRUST_FILE) : path.resolve(cwd, options.trust);

  if (!explicit && !(await exists(file))) {
    process.stderr.write(`note: approvals are not checked, because there is no trust file at ${path.relative(cwd, file)}; pass --trust FILE\n`);
    return undefined;
  }

  const trust = await readTrust({ file, ...(options.trustRef === undefined ? {} : { ref: options.trustRef }) });
  return trust.entries;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
