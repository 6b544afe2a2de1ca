// The reports `proofgate run` writes besides the terminal report: the JUnit
// file, the pull-request comment file, and the GitHub Actions annotations,
// job summary and step outputs. None of them changes the exit code.

import { constants } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { detectCi } from '../ci/detect.js';
import { ProofgateError } from '../errors.js';
import type { CaseRecord } from '../run/case.js';
import type { RunOutcome } from '../run/run.js';
import { renderPullRequestComment } from './comment.js';
import { appendToRunnerFile, formatOutputs, isGitHubActions, runAnnotations, runOutputs, type GatePosition } from './github.js';
import { createLogSections, isGitLabCi, renderMergeRequestNote, type LogSections } from './gitlab.js';
import { writeJunitReport } from './junit.js';
import { renderRunMarkdown } from './markdown.js';
import { summarizeRun, type RunSummary } from './summary.js';

export interface RunReportOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--junit FILE`, relative to `cwd`. */
  junitFile?: string;
  /** `--comment-file FILE`, relative to `cwd`. */
  commentFile?: string;
}

/** Annotations and problems that `finish` returns for the command to print. */
export interface ReportResult {
  /** GitHub workflow-command lines; empty outside GitHub Actions. */
  annotations: string[];
  /** One message per report that could not be written. */
  problems: string[];
}

export interface RunReports {
  /** GitLab log sections; writers that return '' outside GitLab CI. */
  sections: LogSections;
  /** Hook for runPipeline: writes the JUnit report while the case records are read back. Never throws. */
  onCaseRecords?: (records: AsyncIterable<CaseRecord>, outcome: RunOutcome) => Promise<void>;
  /** Writes every report built from the summary. Never throws: a failure becomes a problem line. */
  finish(summary: RunSummary, outcome: RunOutcome): Promise<ReportResult>;
}

/**
 * Checks that the report files can be written, before anything runs, and
 * returns the reporters. An option naming a directory, or a path whose
 * folder cannot be created, is a USAGE error (exit 2).
 */
export async function prepareRunReports(options: RunReportOptions): Promise<RunReports> {
  const junitFile = options.junitFile === undefined ? undefined : await checkWritableFile(options.cwd, options.junitFile, '--junit');
  const commentFile = options.commentFile === undefined ? undefined : await checkWritableFile(options.cwd, options.commentFile, '--comment-file');
  const problems: string[] = [];

  const onCaseRecords = junitFile === undefined
    ? undefined
    : async (records: AsyncIterable<CaseRecord>, outcome: RunOutcome) => {
      try {
        await writeJunitReport(junitFile, summarizeRun(outcome, options.cwd), records, outcome.startedAt);
      } catch (error) {
        problems.push(`could not write the JUnit report ${options.junitFile}: ${describe(error)}`);
      }
    };

  return {
    sections: createLogSections(options.env),
    onCaseRecords,
    finish: async (summary, outcome) => {
      if (commentFile !== undefined) {
        await attempt(problems, `could not write the comment file ${options.commentFile}`, () => writeCommentFile(commentFile, summary, options.env));
      }

      const annotations = isGitHubActions(options.env) ? await writeGitHubReports(summary, outcome, options.env, problems) : [];
      return { annotations, problems };
    },
  };
}

/**
 * Writes the job summary and the step outputs, and returns the annotations.
 * A variable the runner did not set is skipped: the step then has no summary.
 */
async function writeGitHubReports(summary: RunSummary, outcome: RunOutcome, env: NodeJS.ProcessEnv, problems: string[]): Promise<string[]> {
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    const markdown = renderRunMarkdown(summary, { chart: true, runUrl: detectCi(env).runUrl });
    await attempt(problems, 'could not append to $GITHUB_STEP_SUMMARY', () => appendToRunnerFile(summaryFile, `${markdown}\n`));
  }

  const outputFile = env.GITHUB_OUTPUT;
  if (outputFile) {
    await attempt(problems, 'could not append to $GITHUB_OUTPUT', () => appendToRunnerFile(outputFile, formatOutputs(runOutputs(summary))));
  }

  return runAnnotations(summary, annotationPath(outcome, env), gatePositions(outcome));
}

async function writeCommentFile(file: string, summary: RunSummary, env: NodeJS.ProcessEnv): Promise<void> {
  const runUrl = detectCi(env).runUrl;
  const body = isGitLabCi(env) ? renderMergeRequestNote(summary, runUrl) : renderPullRequestComment(summary, runUrl);
  await mkdir(path.dirname(file), { recursive: true });

  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, body, 'utf8');
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

// GitHub resolves an annotation's file against the repository root, which is $GITHUB_WORKSPACE in a job.
function annotationPath(outcome: RunOutcome, env: NodeJS.ProcessEnv): string {
  const workspace = env.GITHUB_WORKSPACE;
  if (workspace) {
    const relative = path.relative(workspace, outcome.pipeline.file);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) return relative.split(path.sep).join('/');
  }

  return outcome.pipeline.source.path;
}

// The gates in the outcome are in the same order as the pipeline's; `index` is the position in `gates:`.
function gatePositions(outcome: RunOutcome): GatePosition[] {
  return outcome.pipeline.gates.map((gate) => outcome.pipeline.locate(['gates', gate.index]));
}

/**
 * Resolves a report path and checks it can be written: it is not a folder,
 * and its nearest existing ancestor is a writable folder.
 */
async function checkWritableFile(cwd: string, file: string, option: string): Promise<string> {
  const absolute = path.resolve(cwd, file);
  const existing = await stat(absolute).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new ProofgateError('USAGE', `${option} ${file} is a folder; name a file inside it, such as ${path.join(file, 'proofgate.xml')}; nothing was run`);
  }

  let ancestor = path.dirname(absolute);
  let info = await stat(ancestor).catch(() => undefined);
  while (info === undefined && path.dirname(ancestor) !== ancestor) {
    ancestor = path.dirname(ancestor);
    info = await stat(ancestor).catch(() => undefined);
  }

  if (info !== undefined && !info.isDirectory()) {
    throw new ProofgateError('USAGE', `${option} ${file} cannot be written: ${ancestor} is a file, not a folder; nothing was run`);
  }

  const target = existing === undefined ? ancestor : absolute;
  try {
    await access(target, constants.W_OK);
  } catch {
    throw new ProofgateError('USAGE', `${option} ${file} cannot be written: no write permission on ${target}; nothing was run`);
  }

  return absolute;
}

async function attempt(problems: string[], what: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    problems.push(`${what}: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
