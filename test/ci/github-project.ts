import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/cli.js';
import { createProject, type TempProject } from '../helpers/project.js';
import { interpolate, runSteps, type StepDefinition, type StepResult } from './actions-runner.js';

export const PIPELINE = (program: string) => `name: demo
target:
  exec:
    command: [node, ${program}]
    timeout_ms: 5000
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}" }
metrics:
  accuracy: mean(exact)
gates:
  - accuracy >= 0.5
`;

export const CASES = [
  '{"id":"a","question":"one","answer":"ONE"}',
  '{"id":"b","question":"two","answer":"TWO"}',
  '{"id":"c","question":"three","answer":"THREE"}',
].join('\n');

// answers.js passes every case; echo.js answers the question in lower case, so every case fails.
const PROGRAMS = {
  'answers.js': "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(input.vars.answer);\n",
  'echo.js': "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(input.vars.question);\n",
};

/** A project repository on branch `feature`, cloned from a bare `origin` it can push to. */
export interface CiProject {
  project: TempProject;
  origin: string;
  /** Folder for RUNNER_TEMP, summaries and event payloads. */
  scratch: string;
  git(...args: string[]): string;
  originGit(...args: string[]): string;
  remove(): void;
}

export function createCiProject(program: 'answers.js' | 'echo.js'): CiProject {
  const project = createProject({ ...PROGRAMS, 'package.json': '{"type":"commonjs"}', 'cases.jsonl': CASES, 'pipeline.yaml': PIPELINE(program) }, { git: true });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'proofgate-ci-'));
  const origin = path.join(scratch, 'origin.git');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: project.dir, encoding: 'utf8' }).trim();
  const originGit = (...args: string[]) => execFileSync('git', ['--git-dir', origin, ...args], { encoding: 'utf8' }).trim();

  execFileSync('git', ['init', '-q', '--bare', origin]);
  git('remote', 'add', 'origin', origin);
  git('checkout', '-q', '-b', 'feature');
  git('push', '-q', 'origin', 'main', 'feature');

  return {
    project,
    origin,
    scratch,
    git,
    originGit,
    remove: () => {
      project.remove();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Returns a job's environment: the machine's without CI variables, plus `extra`. */
export function jobEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(CI|GITHUB_|GITLAB_|PROOFGATE_|FORCE_COLOR|NO_COLOR|RUNNER_)/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Writes a pull_request event payload for the project's `feature` branch and returns its path. */
export function writePullRequestEvent(ci: CiProject): string {
  const file = path.join(ci.scratch, 'event.json');
  const head = ci.git('rev-parse', 'HEAD');
  const event = {
    action: 'synchronize',
    number: 7,
    pull_request: {
      number: 7,
      head: { ref: 'feature', sha: head, repo: { full_name: 'acme/llm-app' } },
      base: { ref: 'main', sha: ci.git('rev-parse', 'main'), repo: { full_name: 'acme/llm-app' } },
    },
    repository: { full_name: 'acme/llm-app' },
  };
  writeFileSync(file, JSON.stringify(event));
  return file;
}

/** The GitHub runner's variables for a pull_request job in the project. */
export function githubEnv(ci: CiProject, eventFile: string, eventName = 'pull_request'): Record<string, string> {
  const summary = path.join(ci.scratch, 'step-summary.md');
  writeFileSync(summary, '');
  return jobEnv({
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ci.project.dir,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REPOSITORY: 'acme/llm-app',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '9000000001',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REF: 'refs/pull/7/merge',
    GITHUB_HEAD_REF: 'feature',
    GITHUB_BASE_REF: 'main',
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: ci.scratch,
  });
}

/** Reads a YAML file of this repository. */
export function readRepoYaml(relative: string): Record<string, unknown> {
  return parse(readFileSync(path.join(REPO_ROOT, relative), 'utf8')) as Record<string, unknown>;
}

/** The action's steps and its inputs' defaults. */
export function readAction(): { steps: StepDefinition[]; defaults: Record<string, string>; outputs: Record<string, { value: string }> } {
  const action = readRepoYaml('action.yml') as {
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { steps: StepDefinition[] };
  };
  const defaults = Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, input.default ?? '']));
  return { steps: action.runs.steps, defaults, outputs: action.outputs };
}

const SKIP = { install: 'npm ci would reinstall the shared checkout; the tests use the dist/ built before them' };

/**
 * Runs action.yml's steps as the runner would for a job of `eventName`, and
 * resolves the action's outputs. The event payload defaults to a pull_request.
 */
export function runAction(project: CiProject, inputs: Record<string, string>, event: { file?: string; name?: string } = {}) {
  const { steps, defaults, outputs } = readAction();
  const eventFile = event.file ?? writePullRequestEvent(project);
  const env = githubEnv(project, eventFile, event.name);
  const context = {
    inputs: { ...defaults, ...inputs },
    github: { action_path: REPO_ROOT, head_ref: 'feature', ref_name: '7/merge', workspace: project.project.dir, event_name: event.name ?? 'pull_request' },
    runner: { temp: project.scratch },
  };

  const run = runSteps(steps, { context, env, workspace: project.project.dir, skip: SKIP });
  const resolved = Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, interpolate(output.value, { ...context, steps: run.steps })]));
  const step = (id: string) => run.results.find((result) => result.id === id) as StepResult;
  const last = run.results[run.results.length - 1] as StepResult;
  return { ...run, outputs: resolved, step, last, env };
}
