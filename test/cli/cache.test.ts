import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createProject, type TempProject } from '../helpers/project.js';
import { sendJson, startServer, type LoopbackServer } from '../targets/loopback-server.js';

let project: TempProject | undefined;
let server: LoopbackServer | undefined;

afterEach(async () => {
  project?.remove();
  project = undefined;
  await server?.close();
  server = undefined;
});

const CAPITALS: Record<string, string> = { France: 'Paris', Italy: 'Rome', Spain: 'Madrid', Portugal: 'Lisbon' };
const CASES = ['{"id":"fr","country":"France","capital":"Paris"}', '{"id":"it","country":"Italy","capital":"Rome"}', '{"id":"es","country":"Spain","capital":"Madrid"}'].join('\n');

function openaiPipeline(baseUrl: string, temperature = 0): string {
  return `name: chat
target:
  openai:
    model: test-model
    base_url: ${baseUrl}/v1
    messages:
      - { role: system, content: file:system.md }
      - { role: user, content: "Capital of {{country}}?" }
    temperature: ${temperature}
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{capital}}" }
metrics:
  accuracy: mean(exact)
gates:
  - accuracy >= 1
`;
}

async function startModel(): Promise<LoopbackServer> {
  return startServer((request, response) => {
    const body = JSON.parse(request.body) as { messages: Array<{ content: string }> };
    const country = (body.messages[1]?.content ?? '').replace('Capital of ', '').replace('?', '');
    sendJson(response, 200, { choices: [{ message: { role: 'assistant', content: CAPITALS[country] ?? 'unknown' } }], usage: { prompt_tokens: 5, completion_tokens: 1 } });
  });
}

async function run(args: string[] = []) {
  const result = await runCli(['run', '--json', '--no-progress', ...args], { cwd: (project as TempProject).dir });
  expect(result.code, result.stderr).toBe(0);
  return { ...result, summary: JSON.parse(result.stdout) };
}

function cacheFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.json'));
}

describe('response cache with an openai target', () => {
  async function setup() {
    server = await startModel();
    project = createProject({ 'pipeline.yaml': openaiPipeline(server.url), 'system.md': 'Answer with one word.', 'cases.jsonl': CASES });
  }

  it('second identical run calls nothing', async () => {
    await setup();

    const first = await run();
    const second = await run();

    expect(server?.requests).toHaveLength(3);
    expect(first.summary.cases.cached).toBe(0);
    expect(second.summary.cases.cached).toBe(3);
    expect(second.summary.metrics.accuracy.value).toBe(1);
    expect(second.stderr).toContain('3 of 3 cases served from .proofgate/cache');
  });

  it('marks cached cases in the bundle', async () => {
    await setup();
    await run();
    const second = await run();

    const bundle = JSON.parse(readFileSync(project?.path(second.summary.bundle) as string, 'utf8'));
    const cases = bundle.statement.predicate.cases as Array<{ cached?: boolean }>;
    expect(cases.map((item) => item.cached)).toEqual([true, true, true]);

    const firstBundle = JSON.parse(readFileSync(project?.bundles('chat')[0] as string, 'utf8'));
    expect(firstBundle.statement.predicate.cases.some((item: { cached?: boolean }) => 'cached' in item)).toBe(false);
  });

  it('changed prompt file calls again', async () => {
    await setup();
    await run();

    project?.write('system.md', 'Answer with the city name only.');
    const second = await run();

    expect(server?.requests).toHaveLength(6);
    expect(second.summary.cases.cached).toBe(0);
  });

  it('changed temperature calls again', async () => {
    await setup();
    await run();

    project?.write('pipeline.yaml', openaiPipeline(server?.url as string, 0.5));
    await run();

    expect(server?.requests).toHaveLength(6);
    expect(JSON.parse(server?.requests[5]?.body as string).temperature).toBe(0.5);
  });

  it('changed case calls only it', async () => {
    await setup();
    await run();

    project?.write('cases.jsonl', CASES.replace('"country":"Italy","capital":"Rome"', '"country":"Portugal","capital":"Lisbon"'));
    const second = await run();

    expect(server?.requests).toHaveLength(4);
    expect(JSON.parse(server?.requests[3]?.body as string).messages[1].content).toBe('Capital of Portugal?');
    expect(second.summary.cases.cached).toBe(2);
  });

  it('corrupt entry warns and recomputes', async () => {
    await setup();
    await run();
    const cacheDir = project?.path('.proofgate/cache') as string;
    const [entry] = cacheFiles(cacheDir);
    writeFileSync(path.join(cacheDir, entry as string), '{"format":"proofgate-cache/v1", trunc');

    const second = await run();

    expect(server?.requests).toHaveLength(4);
    expect(second.summary.cases.cached).toBe(2);
    expect(second.stderr).toContain('warning: ignoring corrupt cache entry');
    expect(second.stderr.match(/corrupt cache entry/g)).toHaveLength(1);

    await run();
    expect(server?.requests).toHaveLength(4);
  });

  it('--no-cache calls every time', async () => {
    await setup();

    await run(['--no-cache']);
    const second = await run(['--no-cache']);

    expect(server?.requests).toHaveLength(6);
    expect(second.summary.cases.cached).toBe(0);
    expect(cacheFiles(project?.path('.proofgate/cache') as string)).toEqual([]);
  });

  it('--cache-dir moves the cache', async () => {
    await setup();

    await run(['--cache-dir', 'elsewhere']);
    const second = await run(['--cache-dir', 'elsewhere']);

    expect(second.summary.cases.cached).toBe(3);
    expect(cacheFiles(project?.path('elsewhere') as string)).toHaveLength(3);
    expect(existsSync(project?.path('.proofgate/cache') as string)).toBe(false);
  });

  it('--cache-dir with --no-cache is rejected', async () => {
    await setup();
    const result = await runCli(['run', '--no-cache', '--cache-dir', 'x'], { cwd: project?.dir as string });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--cache-dir and --no-cache');
    expect(server?.requests).toHaveLength(0);
  });
});

describe('response cache with an exec target', () => {
  // Logs one line per invocation so the test can count calls of the program.
  const program = (suffix: string) => `const fs = require('fs');
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
fs.appendFileSync('calls.log', input.id + '\\n');
process.stdout.write(input.vars.word.toUpperCase() + '${suffix}');
`;

  const pipeline = `name: shout
target:
  exec:
    command: [node, app.js]
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{loud}}" }
metrics:
  accuracy: mean(exact)
gates:
  - accuracy >= 0
`;

  const cases = ['{"id":"1","word":"a","loud":"A"}', '{"id":"2","word":"b","loud":"B"}', '{"id":"3","word":"c","loud":"C"}'].join('\n');

  function calls(): string[] {
    const file = project?.path('calls.log') as string;
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
  }

  function setup() {
    project = createProject({ 'pipeline.yaml': pipeline, 'app.js': program(''), 'package.json': '{"type":"commonjs"}', 'cases.jsonl': cases });
  }

  it('second identical run calls nothing', async () => {
    setup();

    await run();
    const second = await run();

    expect(calls()).toHaveLength(3);
    expect(second.summary.cases.cached).toBe(3);
    expect(second.summary.metrics.accuracy.value).toBe(1);
  });

  it('changed program calls again', async () => {
    setup();
    await run();

    project?.write('app.js', program('!'));
    const second = await run();

    expect(calls()).toHaveLength(6);
    expect(second.summary.metrics.accuracy.value).toBe(0);
  });

  it('changed case calls only it', async () => {
    setup();
    await run();

    project?.write('cases.jsonl', cases.replace('"word":"b","loud":"B"', '"word":"bb","loud":"BB"'));
    const second = await run();

    expect(calls()).toHaveLength(4);
    expect(calls().filter((id) => id === '2')).toHaveLength(2);
    expect(second.summary.cases.cached).toBe(2);
  });
});
