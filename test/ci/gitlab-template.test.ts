import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { validateJunit } from '../report/junit-schema.js';
import { createCiProject, jobEnv, readRepoYaml, type CiProject } from './github-project.js';

interface Job {
  extends?: string;
  stage?: string;
  needs?: string[];
  rules?: Array<{ if?: string; when?: string; allow_failure?: boolean }>;
  before_script?: string[];
  script: string[];
  environment?: { name: string };
  artifacts?: { when?: string; paths?: string[]; reports?: { junit?: string } };
}

const TEMPLATE = 'templates/gitlab/proofgate.gitlab-ci.yml';

let ci: CiProject | undefined;
let server: Server | undefined;
afterEach(async () => {
  ci?.remove();
  ci = undefined;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

function template(): Record<string, unknown> {
  return readRepoYaml(TEMPLATE);
}

function job(name: string): Job {
  return template()[name] as Job;
}

/**
 * Runs a job's before_script and script the way GitLab Runner's bash shell
 * does: one shell, `set -eo pipefail`, the template's variables first.
 */
function runJob(name: string, env: Record<string, string>, cwd: string): Promise<{ code: number | null; log: string }> {
  const definition = job(name);
  const parent = definition.extends ? (template()[definition.extends] as Job) : undefined;
  const lines = [...(definition.before_script ?? parent?.before_script ?? []), ...definition.script];
  const variables = template().variables as Record<string, string>;

  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', lines.join('\n')], { cwd, env: { ...variables, ...env } });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, log }));
  });
}

/** Writes a `proofgate` script (the built CLI, or a fake that records its arguments) and returns its folder for PATH. */
function binWith(project: CiProject, script: string): string {
  const dir = path.join(project.scratch, 'bin');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'proofgate'), `#!/usr/bin/env bash\n${script}\n`);
  chmodSync(path.join(dir, 'proofgate'), 0o755);
  return dir;
}

function realProofgate(project: CiProject): string {
  return binWith(project, `exec node "${CLI}" "$@"`);
}

interface NoteRequest {
  method: string;
  url: string;
  token: string | undefined;
  body?: { body: string };
}

/** Starts a stand-in for GitLab's notes API on 127.0.0.1 that stores the notes it receives. */
async function startNotesApi(): Promise<{ url: string; requests: NoteRequest[] }> {
  const requests: NoteRequest[] = [];
  const notes: Array<{ id: number; body: string }> = [];
  server = createServer(async (request: IncomingMessage, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const entry: NoteRequest = { method: request.method ?? '', url: request.url ?? '', token: request.headers['private-token'] as string | undefined };
    if (text) entry.body = JSON.parse(text);
    requests.push(entry);

    const base = '/api/v4/projects/555/merge_requests/7/notes';
    response.setHeader('Content-Type', 'application/json');
    if (request.method === 'GET' && entry.url.startsWith(`${base}?`)) return response.end(JSON.stringify([{ id: 1, body: 'LGTM' }, ...notes]));
    if (request.method === 'POST' && entry.url === base) {
      notes.push({ id: 100 + notes.length, body: entry.body?.body ?? '' });
      return response.end(JSON.stringify(notes[notes.length - 1]));
    }
    const existing = notes.find((note) => entry.url === `${base}/${note.id}`);
    if (request.method === 'PUT' && existing) {
      existing.body = entry.body?.body ?? '';
      return response.end(JSON.stringify(existing));
    }
    response.statusCode = 404;
    response.end('{}');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

function gitlabEnv(project: CiProject, bin: string, extra: Record<string, string> = {}): Record<string, string> {
  // GitLab accepts push options such as ci.skip, but a bare repository accepts them only when configured to.
  project.originGit('config', 'receive.advertisePushOptions', 'true');
  const env = jobEnv({
    CI: 'true',
    GITLAB_CI: 'true',
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_IID: '7',
    CI_MERGE_REQUEST_PROJECT_ID: '555',
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
    CI_PROJECT_ID: '555',
    CI_PROJECT_PATH: 'acme/llm-app',
    CI_COMMIT_SHA: project.git('rev-parse', 'HEAD'),
    CI_COMMIT_REF_NAME: 'feature',
    CI_DEFAULT_BRANCH: 'main',
    CI_JOB_ID: '7654321',
    CI_JOB_URL: 'https://gitlab.example.com/acme/llm-app/-/jobs/7654321',
    CI_SERVER_HOST: 'gitlab.example.com',
    GITLAB_USER_LOGIN: 'bob',
    PROOFGATE_REMOTE_URL: project.origin,
    ...extra,
  });
  env.PATH = `${bin}${path.delimiter}${env.PATH}`;
  return env;
}

describe('GitLab template', () => {
  it('run job gates, reports and pushes', async () => {
    ci = createCiProject('echo.js');
    const api = await startNotesApi();
    const env = gitlabEnv(ci, realProofgate(ci), { CI_SERVER_URL: api.url, CI_API_V4_URL: `${api.url}/api/v4`, PROOFGATE_GITLAB_TOKEN: 'glpat-test' });

    const result = await runJob('proofgate:run', env, ci.project.dir);

    expect(result.code, result.log).toBe(1);
    expect(result.log).toMatch(/\u001b\[0Ksection_start:\d+:proofgate_cases\[collapsed=true\]\r\u001b\[0Kproofgate: case progress and retries\n/);
    expect(result.log).toMatch(/\u001b\[0Ksection_end:\d+:proofgate_cases\r\u001b\[0K\n/);
    expect(result.log).toMatch(/section_start:\d+:proofgate_report\r\u001b\[0Kproofgate: report\n[\s\S]*FAIL[\s\S]*section_end:\d+:proofgate_report/);

    const junit = validateJunit(ci.project.path('proofgate-junit.xml'));
    expect(junit.valid, junit.output).toBe(true);
    expect(readFileSync(ci.project.path('proofgate-junit.xml'), 'utf8')).toContain('<failure message="accuracy is 0, but the gate requires &gt;= 0.5" type="gate">');

    const posts = api.requests.filter((request) => request.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.token).toBe('glpat-test');
    expect(posts[0]?.body?.body.split('\n')[0]).toBe('<!-- proofgate:demo -->');
    expect(posts[0]?.body?.body).toContain('### ❌ proofgate: demo failed');

    const bundle = JSON.parse(readFileSync(ci.project.path('proofgate-summary.json'), 'utf8')).bundle as string;
    expect(ci.originGit('log', '-1', '--format=%s', 'feature')).toBe('proofgate: add bundle');
    expect(ci.originGit('ls-tree', '-r', '--name-only', 'feature')).toContain(bundle);
  });

  it('second run edits the same note', async () => {
    ci = createCiProject('answers.js');
    const api = await startNotesApi();
    const env = gitlabEnv(ci, realProofgate(ci), { CI_SERVER_URL: api.url, CI_API_V4_URL: `${api.url}/api/v4`, PROOFGATE_GITLAB_TOKEN: 'glpat-test' });

    await runJob('proofgate:run', env, ci.project.dir);
    const second = await runJob('proofgate:run', env, ci.project.dir);

    expect(second.code, second.log).toBe(0);
    const writes = api.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.url}`);
    expect(writes).toEqual(['POST /api/v4/projects/555/merge_requests/7/notes', 'PUT /api/v4/projects/555/merge_requests/7/notes/100']);
  });

  it('without token nothing is sent', async () => {
    ci = createCiProject('answers.js');
    const before = ci.originGit('rev-parse', 'feature');

    const result = await runJob('proofgate:run', gitlabEnv(ci, realProofgate(ci), { CI_SERVER_URL: 'http://127.0.0.1:9', CI_API_V4_URL: 'http://127.0.0.1:9/api/v4' }), ci.project.dir);

    expect(result.code, result.log).toBe(0);
    expect(result.log).toContain('proofgate: not pushing');
    expect(ci.originGit('rev-parse', 'feature')).toBe(before);
    expect(readFileSync(ci.project.path('proofgate-note.md'), 'utf8').split('\n')[0]).toBe('<!-- proofgate:demo -->');
  });

  it('invalid pipeline exits 2', async () => {
    ci = createCiProject('answers.js');

    const result = await runJob('proofgate:run', gitlabEnv(ci, realProofgate(ci), { PROOFGATE_PIPELINE: 'missing.yaml' }), ci.project.dir);

    expect(result.code).toBe(2);
    expect(result.log).toContain('proofgate: error:');
  });

  it('approve job signs and pushes the approval', async () => {
    ci = createCiProject('answers.js');
    const bundle = 'proofs/demo/20250102T030405Z-abababababab.json';
    ci.project.write(bundle, '{}\n');
    ci.project.write('proofgate-summary.json', JSON.stringify({ bundle }));
    const log = path.join(ci.scratch, 'proofgate.log');
    const bin = binWith(ci, `printf '%s\\n' "$@" > "${log}"\necho '{}' > "\${2%.json}.approval.gitlab-bob-1a2b.json"`);

    const result = await runJob('proofgate:approve', gitlabEnv(ci, bin, { PROOFGATE_GITLAB_TOKEN: 'glpat-test', PROOFGATE_APPROVAL_KEY: '/run/secrets/approval.pem' }), ci.project.dir);

    expect(result.code, result.log).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'approve',
      bundle,
      '--key',
      '/run/secrets/approval.pem',
      '--principal',
      'gitlab:bob',
      '--comment',
      'approved by @bob in https://gitlab.example.com/acme/llm-app/-/jobs/7654321',
    ]);
    expect(ci.originGit('log', '-1', '--format=%s', 'feature')).toBe('proofgate: add approval by bob');
    expect(ci.originGit('ls-tree', '-r', '--name-only', 'feature')).toContain('proofs/demo/20250102T030405Z-abababababab.approval.gitlab-bob-1a2b.json');
  });

  it('verify job checks against the default branch', async () => {
    ci = createCiProject('answers.js');
    const log = path.join(ci.scratch, 'proofgate.log');
    const bin = binWith(ci, `printf '%s\\n' "$*" > "${log}"`);
    ci.git('checkout', '-q', 'main');

    const result = await runJob('proofgate:verify', gitlabEnv(ci, bin, { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'main' }), ci.project.dir);

    expect(result.code, result.log).toBe(0);
    expect(readFileSync(log, 'utf8').trim()).toBe('verify --pipeline pipeline.yaml --require-approval --trust-ref origin/main');
    expect(ci.git('rev-parse', 'origin/main')).toBe(ci.git('rev-parse', 'main'));
  });

  it('every script line is a string', () => {
    for (const [name, value] of Object.entries(template())) {
      if (name === 'variables') continue;
      const definition = value as Job;
      for (const line of [...(definition.before_script ?? []), ...(definition.script ?? [])]) expect(typeof line, `${name}: ${JSON.stringify(line)}`).toBe('string');
    }
  });

  it('run job publishes the JUnit report', () => {
    const run = job('proofgate:run');

    expect(run.artifacts?.reports?.junit).toBe('proofgate-junit.xml');
    expect(run.artifacts?.when).toBe('always');
    expect(run.script.some((line) => line.includes('--junit proofgate-junit.xml'))).toBe(true);
    expect(run.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
  });

  it('approve job is manual and protected', () => {
    const approve = job('proofgate:approve');

    expect(approve.rules?.[0]).toMatchObject({ when: 'manual', allow_failure: true });
    expect(approve.environment?.name).toBe('proofgate-approval');
    expect(approve.needs).toEqual(['proofgate:run']);
  });

  it('example includes the template', () => {
    const example = readRepoYaml('examples/ci/gitlab/.gitlab-ci.yml') as { include: Array<{ local: string }>; deploy: Job };

    expect(example.include[0]?.local).toBe('.gitlab/proofgate.gitlab-ci.yml');
    expect(example.deploy.needs).toEqual(['proofgate:verify']);
  });
});
