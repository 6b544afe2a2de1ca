import path from 'node:path';
import { EXIT, ProofgateError } from '../errors.js';
import { createProgressDisplay } from '../report/progress.js';
import { createStyle } from '../report/style.js';
import { runShard, type ShardOutcome } from '../run/shard.js';
import { cacheOptionsOf, describeCache } from './cache-option.js';
import { setExitCode } from './exit.js';
import type { RunCommandOptions } from './program.js';
import { onInterrupt } from './run.js';
import { toolVersion } from './version.js';

/** The summary that `run --shard --json` prints on stdout. */
export interface ShardSummary {
  exitCode: number;
  pipeline: string;
  version: string;
  shard: { index: number; count: number };
  part: string;
  signed: boolean;
  keyid?: string;
  dataset: { path: string; sha256: string };
  cases: { total: number; passed: number; failed: number; errors: number; cached: number };
  durationMs: number;
}

/**
 * `proofgate run --shard I/N`: runs one shard and writes its signed partial
 * result. No gate is decided here, so the exit code is 0 once the shard
 * finished; `proofgate merge` decides the verdict.
 */
export async function runShardCommand(pipelineFile: string, options: RunCommandOptions): Promise<void> {
  const { stderr, stdout, env } = process;
  const cwd = process.cwd();
  const style = createStyle(stderr, env);
  const shard = options.shard as { index: number; count: number };

  if (options.seed !== undefined && options.sample === undefined) {
    throw new ProofgateError('USAGE', '--seed only applies together with --sample N');
  }
  if (options.junit !== undefined || options.commentFile !== undefined) {
    throw new ProofgateError('USAGE', '--junit and --comment-file report a verdict, which a shard does not have; pass them to `proofgate merge` runs instead of shard runs');
  }

  const progress = createProgressDisplay(stderr, env, options.progress !== false);
  const controller = new AbortController();
  const stopInterrupts = onInterrupt(controller, stderr);

  try {
    const outcome = await runShard({
      pipelineFile,
      cwd,
      env,
      toolVersion: toolVersion(),
      signal: controller.signal,
      concurrency: options.concurrency,
      selection: { sample: options.sample, seed: options.seed, shard },
      keyFile: options.key,
      requireSignature: options.requireSignature === true,
      proofsDir: options.proofsDir,
      cache: cacheOptionsOf(options, cwd, stderr, style),
      onStart: ({ pipeline, scan, signed }) => {
        stderr.write(`proofgate: running ${pipeline.name} shard ${shard.index}/${shard.count} on ${scan.cases} cases from ${pipeline.dataset.displayPath}\n`);
        if (!signed) {
          stderr.write(style.yellow('proofgate: warning: no signing key (--key or PROOFGATE_SIGNING_KEY); the shard result will be unsigned and `proofgate merge` accepts it only with --allow-unsigned\n'));
        }
      },
      onProgress: (state) => progress.update(state),
      onRetry: (event) => {
        if (event.attempt === 1) stderr.write(`proofgate: case ${event.caseId}: ${event.reason}; retrying in ${Math.round(event.delayMs)} ms\n`);
      },
    });
    progress.stop();

    const summary = summarizeShard(outcome, cwd);
    stderr.write(`${renderShardReport(summary, style)}\n`);
    if (outcome.cache !== undefined) stderr.write(`${describeCache(outcome.cache, cwd)}\n`);
    if (options.json) stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    setExitCode(summary.exitCode);
  } finally {
    progress.stop();
    stopInterrupts();
  }
}

function summarizeShard(outcome: ShardOutcome, cwd: string): ShardSummary {
  const { progress } = outcome;
  return {
    exitCode: EXIT.ok,
    pipeline: outcome.pipeline.name,
    version: outcome.pipeline.version,
    shard: outcome.shard,
    part: path.relative(cwd, outcome.partPath) || outcome.partPath,
    signed: outcome.keyid !== undefined,
    ...(outcome.keyid === undefined ? {} : { keyid: outcome.keyid }),
    dataset: { path: outcome.pipeline.dataset.displayPath, sha256: outcome.scan.sha256 },
    cases: {
      total: progress.done,
      passed: progress.done - progress.failed,
      failed: progress.failed,
      errors: progress.errors,
      cached: outcome.cache?.hits ?? 0,
    },
    durationMs: outcome.finishedAt.getTime() - outcome.startedAt.getTime(),
  };
}

function renderShardReport(summary: ShardSummary, style: ReturnType<typeof createStyle>): string {
  const { cases, shard } = summary;
  const errors = cases.errors > 0 ? `, ${cases.errors} errored` : '';
  const signature = summary.signed ? `signed by ${summary.keyid}` : style.yellow('unsigned');
  return [
    '',
    `${style.bold(summary.pipeline)}  version ${summary.version.slice(0, 12)}  shard ${shard.index}/${shard.count}: ${cases.total} ${cases.total === 1 ? 'case' : 'cases'}, ${cases.passed} passed, ${cases.failed} failed${errors}`,
    `shard result ${summary.part} (${signature})`,
    `no gates were evaluated: run \`proofgate merge\` on the results of all ${shard.count} shards to get the verdict`,
    '',
  ].join('\n');
}
