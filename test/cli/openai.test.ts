import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createProject, type TempProject } from '../helpers/project.js';

const API_KEY = 'sk-test-4f9d2c7a1b8e6f3d0c5a';

let project: TempProject | undefined;
let server: http.Server | undefined;

afterEach(async () => {
  project?.remove();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

type Handler = (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void;

async function startServer(handler: Handler): Promise<string> {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => handler(request, body, response));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}/v1`;
}

function completion(content: string) {
  return JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }], usage: { prompt_tokens: 10, completion_tokens: 2 } });
}

function pipeline(baseUrl: string): string {
  return `name: chat
target:
  openai:
    model: test-model
    base_url: ${baseUrl}
    api_key_env: TEST_API_KEY
    messages:
      - { role: system, content: file:system.md }
      - { role: user, content: "Capital of {{country}}?" }
    temperature: 0
    max_retries: 2
    retry_max_delay_ms: 50
    retry_after_max_ms: 2000
    pricing: { input_per_million: 1, output_per_million: 4 }
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{capital}}", normalize: [case, whitespace] }
metrics:
  accuracy: mean(exact)
  cost: sum(cost_usd)
gates:
  - accuracy >= 1
`;
}

const CASES = '{"id":"fr","country":"France","capital":"Paris"}\n{"id":"it","country":"Italy","capital":"Rome"}\n';
const CAPITALS: Record<string, string> = { France: 'Paris', Italy: 'Rome' };

describe('openai-compatible target', () => {
  it('retries a 429 with Retry-After, then passes', async () => {
    const seen: Array<{ auth?: string; body: Record<string, unknown> }> = [];
    let limited = false;
    const baseUrl = await startServer((request, body, response) => {
      seen.push({ auth: request.headers.authorization, body: JSON.parse(body) });
      if (!limited) {
        limited = true;
        response.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        response.end('{"error":{"message":"rate limited"}}');
        return;
      }
      const question = (JSON.parse(body).messages[1].content as string).replace('Capital of ', '').replace('?', '');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(completion(` ${CAPITALS[question]} `));
    });
    project = createProject({ 'pipeline.yaml': pipeline(baseUrl), 'system.md': 'Answer with one word.', 'cases.jsonl': CASES });

    const result = await runCli(['run', '--json', '--concurrency', '1'], { cwd: project.dir, env: { TEST_API_KEY: API_KEY } });

    expect(result.code, result.stderr).toBe(0);
    expect(seen).toHaveLength(3);
    expect(seen[0]?.auth).toBe(`Bearer ${API_KEY}`);
    expect(seen[0]?.body).toMatchObject({ model: 'test-model', temperature: 0, messages: [{ role: 'system', content: 'Answer with one word.' }, { role: 'user' }] });
    expect(result.stderr).toMatch(/retrying/);
    const summary = JSON.parse(result.stdout);
    expect(summary.metrics.cost.value).toBeCloseTo(2 * (10 * 1 + 2 * 4) / 1e6, 12);
    const bundle = readFileSync(project.bundles('chat')[0] as string, 'utf8');
    expect(bundle).not.toContain(API_KEY);
  });

  it('hides the key when a reply echoes it', async () => {
    const baseUrl = await startServer((request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(completion(`your header was ${request.headers.authorization}`));
    });
    project = createProject({ 'pipeline.yaml': pipeline(baseUrl), 'system.md': 'x', 'cases.jsonl': CASES });

    const result = await runCli(['run', '--json', '--comment-file', 'comment.md'], { cwd: project.dir, env: { TEST_API_KEY: API_KEY } });

    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('your header was Bearer ***');
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
    expect(readFileSync(project.path('comment.md'), 'utf8')).not.toContain(API_KEY);
    const search = spawnSync('grep', ['-rl', API_KEY, project.path('.proofgate'), project.path('proofs')], { encoding: 'utf8' });
    expect(search.status).toBe(1);
    expect(search.stdout).toBe('');
  });

  it('always-failing server stops the run with exit 3', async () => {
    let requests = 0;
    const baseUrl = await startServer((request, _body, response) => {
      requests += 1;
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `overloaded; your header was ${request.headers.authorization}` } }));
    });
    project = createProject({ 'pipeline.yaml': pipeline(baseUrl), 'system.md': 'x', 'cases.jsonl': CASES });

    const result = await runCli(['run', '--concurrency', '1'], { cwd: project.dir, env: { TEST_API_KEY: API_KEY } });

    expect(result.code).toBe(3);
    expect(requests).toBeGreaterThanOrEqual(3);
    expect(result.stderr).toMatch(/the run stopped; no bundle was written/);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
    expect(project.bundles('chat')).toHaveLength(0);
  });

  it('rejected key names the variable only', async () => {
    const baseUrl = await startServer((request, _body, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `invalid key ${request.headers.authorization}` } }));
    });
    project = createProject({ 'pipeline.yaml': pipeline(baseUrl), 'system.md': 'x', 'cases.jsonl': CASES });

    const result = await runCli(['run'], { cwd: project.dir, env: { TEST_API_KEY: API_KEY } });

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('TEST_API_KEY');
    expect(result.stderr).not.toContain(API_KEY);
  });

  it('missing key variable exits 2 before any request', async () => {
    let requests = 0;
    const baseUrl = await startServer((_request, _body, response) => {
      requests += 1;
      response.end(completion('Paris'));
    });
    project = createProject({ 'pipeline.yaml': pipeline(baseUrl), 'system.md': 'x', 'cases.jsonl': CASES });

    const result = await runCli(['run'], { cwd: project.dir, env: { TEST_API_KEY: undefined } });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TEST_API_KEY');
    expect(requests).toBe(0);
  });
});
