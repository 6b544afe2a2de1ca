import { ProofgateError } from '../errors.js';
import { killRunningPrograms } from '../targets/exec.js';
import { createProgressDisplay } from '../report/progress.js';
import { prepareRunReports, type RunReports } from '../report/run-reports.js';
import { createStyle } from '../report/style.js';
import { summarizeRun, type RunSummary } from '../report/summary.js';
import { renderRunReport } from '../report/terminal.js';
import { runPipeline, type RunOutcome } from '../run/run.js';
import { cacheOptionsOf, describeCache } from './cache-option.js';
import { setExitCode } from './exit.js';
import type { RunCommandOptions } from './program.js';
import { toolVersion } from './version.js';

/** `proofgate run`: the report goes to stderr; with --json, stdout carries only the summary. */
export async function runCommand(pipelineFile: string, options: RunCommandOptions): Promise<void> {
  if (options.shard !== undefined) {
    const { runShardCommand } = await import('./shard.js');
    return runShardCommand(pipelineFile, options);
  }

  const { stderr, stdout, env } = process;
  const style = createStyle(stderr, env);
  const progress = createProgressDisplay(stderr, env, options.progress !== false);
  const controller = new AbortController();
  const stopInterrupts = onInterrupt(controller, stderr);

  if (options.seed !== undefined && options.sample === undefined) {
    throw new ProofgateError('USAGE', '--seed only applies together with --sample N');
  }

  const reports = await prepareRunReports({ cwd: process.cwd(), env, junitFile: options.junit, commentFile: options.commentFile });

  try {
    const outcome = await runPipeline({
      pipelineFile,
      cwd: process.cwd(),
      env,
      toolVersion: toolVersion(),
      signal: controller.signal,
      concurrency: options.concurrency,
      selection: { sample: options.sample, seed: options.seed },
      keyFile: options.key,
      requireSignature: options.requireSignature === true,
      proofsDir: options.proofsDir,
      cache: cacheOptionsOf(options, process.cwd(), stderr, style),
      baseline: {
        mode: options.baseline,
        trustFile: options.trust,
        trustRef: options.trustRef,
        onNotice: (message) => stderr.write(`proofgate: ${message}\n`),
      },
      onStart: ({ pipeline, scan, signed }) => {
        stderr.write(`proofgate: running ${pipeline.name} on ${scan.cases} cases from ${pipeline.dataset.displayPath}\n`);
        if (!signed) {
          stderr.write(style.yellow('proofgate: warning: no signing key (--key or PROOFGATE_SIGNING_KEY); the bundle will be unsigned and `proofgate verify` will reject it\n'));
        }
        stderr.write(reports.sections.start('proofgate_cases', 'proofgate: case progress and retries', { collapsed: true }));
      },
      onProgress: (state) => progress.update(state),
      onRetry: (event) => {
        if (event.attempt === 1) stderr.write(`proofgate: case ${event.caseId}: ${event.reason}; retrying in ${Math.round(event.delayMs)} ms\n`);
      },
      onCaseRecords: reports.onCaseRecords,
    });
    progress.stop();
    stderr.write(reports.sections.end('proofgate_cases'));

    const summary = summarizeRun(outcome, process.cwd());
    stderr.write(reports.sections.start('proofgate_report', 'proofgate: report'));
    stderr.write(`${renderRunReport(summary, style)}\n`);
    if (outcome.cache !== undefined) stderr.write(`${describeCache(outcome.cache, process.cwd())}\n`);
    stderr.write(reports.sections.end('proofgate_report'));
    if (options.json) stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    setExitCode(summary.exitCode);
    await writeReports(reports, summary, outcome, stderr);
  } finally {
    progress.stop();
    stderr.write(reports.sections.end('proofgate_cases'));
    stopInterrupts();
  }
}

/**
 * Writes the file and CI reports. A report that cannot be written is an
 * error message, but the exit code stays the verdict's: the bundle is
 * already written, and a missing report must not turn a failed gate green
 * or a passed one red.
 */
async function writeReports(reports: RunReports, summary: RunSummary, outcome: RunOutcome, stderr: NodeJS.WritableStream): Promise<void> {
  const result = await reports.finish(summary, outcome);

  // GitHub Actions reads workflow commands from stderr as well as stdout, and stdout is kept for --json.
  for (const line of result.annotations) stderr.write(`${line}\n`);
  for (const problem of result.problems) stderr.write(`proofgate: error: ${problem} (the exit code still reflects the verdict)\n`);
}

/**
 * Aborts the run cleanly on the first Ctrl-C or SIGTERM, so in-flight cases
 * are cancelled and no bundle is written. A second signal exits at once.
 */
export function onInterrupt(controller: AbortController, stderr: NodeJS.WritableStream): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      killRunningPrograms();
      process.exit(130);
    }
    stderr.write(`\nproofgate: ${signal} received; stopping (press Ctrl-C again to quit at once)\n`);
    controller.abort(new ProofgateError('INTERRUPTED', 'run interrupted; no bundle was written'));
  };

  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
