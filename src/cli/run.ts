import { ProofgateError } from '../errors.js';
import { createProgressDisplay } from '../report/progress.js';
import { createStyle } from '../report/style.js';
import { summarizeRun } from '../report/summary.js';
import { renderRunReport } from '../report/terminal.js';
import { runPipeline } from '../run/run.js';
import { setExitCode } from './exit.js';
import type { RunCommandOptions } from './program.js';
import { toolVersion } from './version.js';

/** `proofgate run`: the report goes to stderr; with --json, stdout carries only the summary. */
export async function runCommand(pipelineFile: string, options: RunCommandOptions): Promise<void> {
  const { stderr, stdout, env } = process;
  const style = createStyle(stderr, env);
  const progress = createProgressDisplay(stderr, env, options.progress !== false);
  const controller = new AbortController();
  const stopInterrupts = onInterrupt(controller, stderr);

  if (options.seed !== undefined && options.sample === undefined) {
    throw new ProofgateError('USAGE', '--seed only applies together with --sample N');
  }

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
      onStart: ({ pipeline, scan, signed }) => {
        stderr.write(`proofgate: running ${pipeline.name} on ${scan.cases} cases from ${pipeline.dataset.displayPath}\n`);
        if (!signed) {
          stderr.write(style.yellow('proofgate: warning: no signing key (--key or PROOFGATE_SIGNING_KEY); the bundle will be unsigned and `proofgate verify` will reject it\n'));
        }
      },
      onProgress: (state) => progress.update(state),
      onRetry: (event) => {
        if (event.attempt === 1) stderr.write(`proofgate: case ${event.caseId}: ${event.reason}; retrying in ${Math.round(event.delayMs)} ms\n`);
      },
    });
    progress.stop();

    const summary = summarizeRun(outcome, process.cwd());
    stderr.write(`${renderRunReport(summary, style)}\n`);
    if (options.json) stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    setExitCode(summary.exitCode);
  } finally {
    progress.stop();
    stopInterrupts();
  }
}

/**
 * Aborts the run cleanly on the first Ctrl-C or SIGTERM, so in-flight cases
 * are cancelled and no bundle is written. A second signal exits at once.
 */
function onInterrupt(controller: AbortController, stderr: NodeJS.WritableStream): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
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
