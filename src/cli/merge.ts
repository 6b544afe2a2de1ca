import { ProofgateError } from '../errors.js';
import { prepareRunReports } from '../report/run-reports.js';
import { createStyle } from '../report/style.js';
import { summarizeRun } from '../report/summary.js';
import { renderRunReport } from '../report/terminal.js';
import { mergeShards } from '../run/merge.js';
import { describeCache } from './cache-option.js';
import { setExitCode } from './exit.js';
import type { MergeCommandOptions } from './program.js';
import { toolVersion } from './version.js';

/**
 * `proofgate merge PART…`: one bundle from the results of every shard. Exits
 * by the verdict like `run` (0 pass, 1 fail), and 2 when the parts do not
 * make up one complete run.
 */
export async function mergeCommand(parts: string[], options: MergeCommandOptions): Promise<void> {
  const { stderr, stdout, env } = process;
  const cwd = process.cwd();
  const style = createStyle(stderr, env);

  if (parts.length === 0) throw new ProofgateError('USAGE', 'name the shard result files to merge, such as proofs/<name>/shards/*.json');

  const reports = await prepareRunReports({ cwd, env, junitFile: options.junit, commentFile: options.commentFile });
  stderr.write(`proofgate: merging ${parts.length} shard ${parts.length === 1 ? 'result' : 'results'}\n`);

  const outcome = await mergeShards({
    parts,
    cwd,
    env,
    toolVersion: toolVersion(),
    signal: new AbortController().signal,
    keyFile: options.key,
    requireSignature: options.requireSignature === true,
    trustFile: options.trust,
    allowUnsigned: options.allowUnsigned === true,
    pipelineFile: options.pipeline,
    proofsDir: options.proofsDir,
    onCaseRecords: reports.onCaseRecords,
    baseline: {
      mode: options.baseline,
      trustFile: options.trust,
      trustRef: options.trustRef,
      onNotice: (message) => stderr.write(`proofgate: ${message}\n`),
    },
  });

  if (outcome.keyid === undefined) {
    stderr.write(style.yellow('proofgate: warning: no signing key (--key or PROOFGATE_SIGNING_KEY); the bundle is unsigned and `proofgate verify` will reject it\n'));
  }

  const summary = summarizeRun(outcome, cwd);
  stderr.write(`${renderRunReport(summary, style)}\n`);
  if (outcome.cache !== undefined && outcome.cache.hits > 0) stderr.write(`${describeCache(outcome.cache, cwd)}\n`);
  if (options.json) stdout.write(`${JSON.stringify({ ...summary, shards: outcome.shards }, null, 2)}\n`);
  setExitCode(summary.exitCode);

  const result = await reports.finish(summary, outcome);
  // GitHub Actions reads workflow commands from stderr as well as stdout, and stdout is kept for --json.
  for (const line of result.annotations) stderr.write(`${line}\n`);
  for (const problem of result.problems) stderr.write(`proofgate: error: ${problem} (the exit code still reflects the verdict)\n`);
}
