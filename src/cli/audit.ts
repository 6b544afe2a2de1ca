import path from 'node:path';

import { readTrust } from '../approval/trust-source.js';
import { DEFAULT_TRUST_FILE } from '../approval/policy.js';
import { auditProofs } from '../audit/audit.js';
import { parsePeriod } from '../audit/period.js';
import { renderAuditCsv, renderAuditMarkdown } from '../audit/render.js';
import { EXIT } from '../errors.js';
import { locateProofs } from '../history/locate.js';
import { setExitCode } from './exit.js';
import type { AuditCommandOptions } from './program.js';

/**
 * `proofgate audit`: prints the report on stdout in the chosen format. Exits
 * 1 when a signature does not verify or the previous-bundle chain is broken,
 * so that a scheduled CI job fails on tampering. The full report is printed
 * first.
 */
export async function auditCommand(options: AuditCommandOptions): Promise<void> {
  const cwd = process.cwd();
  const period = parsePeriod(options.since, options.until);
  const location = await locateProofs(cwd, options.proofsDir);

  const trustFile = options.trust === undefined ? path.join(location.root, DEFAULT_TRUST_FILE) : path.resolve(cwd, options.trust);
  const trust = await readTrust({ file: trustFile, ...(options.trustRef === undefined ? {} : { ref: options.trustRef }) });

  const report = await auditProofs({ location, trust: trust.entries, trustLabel: displayLabel(cwd, trust.label), period });
  const format = options.json ? 'json' : options.format;

  if (format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'csv') process.stdout.write(renderAuditCsv(report));
  else process.stdout.write(renderAuditMarkdown(report));

  if (!report.summary.intact) {
    process.stderr.write(`proofgate: audit found ${report.summary.signatureProblems} signature and ${report.summary.chainProblems} chain problems\n`);
  }

  setExitCode(report.summary.intact ? EXIT.ok : EXIT.gateFailed);
}

function displayLabel(cwd: string, label: string): string {
  return path.isAbsolute(label) ? path.relative(cwd, label) || label : label;
}
