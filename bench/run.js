#!/usr/bin/env node
// Benchmark for `proofgate run` against a loopback OpenAI-compatible server.
// Prints figures; it asserts nothing. Runs use --no-cache unless a line says
// otherwise, so every case reaches the server. Usage: npm run bench [-- --quick]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'proofgate.js');
const quick = process.argv.includes('--quick');
const CONCURRENCY = 32;

function startServer(latencyMs) {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 12, completion_tokens: 1 },
        }));
      }, latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function writeProject(dir, cases, port) {
  const lines = [];
  for (let index = 0; index < cases; index += 1) lines.push(JSON.stringify({ id: `c${index}`, question: `question ${index}`, answer: 'ok' }));
  writeFileSync(path.join(dir, 'cases.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'pipeline.yaml'), [
    'name: bench',
    'target:',
    '  openai:',
    '    model: bench-model',
    `    base_url: http://127.0.0.1:${port}/v1`,
    '    prompt: "Answer: {{question}}"',
    '    pricing: { input_per_million: 1, output_per_million: 2 }',
    'dataset: { path: cases.jsonl, id: id }',
    'scorers:',
    '  - { name: exact, type: exact_match, expected: "{{answer}}" }',
    'metrics:',
    '  accuracy: mean(exact)',
    '  latency_p95_ms: p95(latency_ms)',
    'gates:',
    '  - accuracy >= 1',
    '',
  ].join('\n'));
}

// Peak RSS and CPU time of the child, read from /proc while it runs (Linux only).
function watchProcess(pid) {
  const sample = { peakRssKb: 0, cpuTicks: 0 };
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+)/.exec(status);
      if (hwm) sample.peakRssKb = Math.max(sample.peakRssKb, Number(hwm[1]));
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      sample.cpuTicks = Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process has exited; keep the last sample.
    }
  };
  const timer = setInterval(read, 25);
  return { sample, stop: () => clearInterval(timer), read };
}

async function measureChild(args, cwd) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const watcher = watchProcess(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  watcher.stop();
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`);
  return { seconds, peakRssMb: watcher.sample.peakRssKb / 1024, cpuSeconds: watcher.sample.cpuTicks / 100, stdout };
}

// Bare fetch against the same server: the cost any Node.js client pays per request.
async function fetchBaseline(cases) {
  const server = await startServer(0);
  try {
    const url = `http://127.0.0.1:${server.address().port}/v1/chat/completions`;
    return await measureChild([path.join(root, 'bench', 'fetch-baseline.js'), url, String(cases), String(CONCURRENCY)], root);
  } finally {
    server.close();
  }
}

async function runOnce(cases, latencyMs, extraArgs = ['--no-cache'], keepDir, sharedServer) {
  const server = sharedServer ?? (await startServer(latencyMs));
  const dir = keepDir ?? mkdtempSync(path.join(os.tmpdir(), 'proofgate-bench-'));
  try {
    writeProject(dir, cases, server.address().port);
    const measured = await measureChild([cli, 'run', 'pipeline.yaml', '--concurrency', String(CONCURRENCY), '--no-progress', '--json', ...extraArgs], dir);
    return { ...measured, summary: JSON.parse(measured.stdout) };
  } finally {
    if (!sharedServer) server.close();
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

function startupMs() {
  const times = [];
  for (let run = 0; run < 10; run += 1) {
    const started = performance.now();
    spawnSync(process.execPath, [cli, '--version']);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function print(label, value) {
  console.log(`${label.padEnd(46)} ${value}`);
}

const cases = quick ? 2_000 : 10_000;
console.log(`proofgate bench: ${cases} cases, concurrency ${CONCURRENCY}, ${os.cpus().length} CPUs, Node ${process.version}\n`);

print('start-up, proofgate --version (median of 10)', `${startupMs().toFixed(0)} ms`);

const floor = await fetchBaseline(cases);
print('bare fetch, 0 ms server: CPU per request', `${((floor.cpuSeconds * 1000) / cases).toFixed(3)} ms`);
print('bare fetch, 0 ms server: peak RSS', `${floor.peakRssMb.toFixed(0)} MB`);

const fast = await runOnce(cases, 0);
print('0 ms server: wall time', `${fast.seconds.toFixed(2)} s`);
print('0 ms server: cases/s', `${(cases / fast.seconds).toFixed(0)}`);
print('0 ms server: CPU per case', `${((fast.cpuSeconds * 1000) / cases).toFixed(3)} ms`);
print('0 ms server: tool overhead per case (CPU - bare fetch)', `${(((fast.cpuSeconds - floor.cpuSeconds) * 1000) / cases).toFixed(3)} ms`);
print('0 ms server: wall time per case', `${((fast.seconds * 1000) / cases).toFixed(3)} ms`);
print('0 ms server: peak RSS', `${fast.peakRssMb.toFixed(0)} MB`);

const slow = await runOnce(cases, 20);
const ideal = (0.02 * cases) / CONCURRENCY;
print('20 ms server: wall time', `${slow.seconds.toFixed(2)} s (ideal ${ideal.toFixed(2)} s, ${(slow.seconds / ideal).toFixed(2)}x)`);
print('20 ms server: cases/s', `${(cases / slow.seconds).toFixed(0)}`);
print('20 ms server: peak RSS', `${slow.peakRssMb.toFixed(0)} MB`);

// The response cache is on by default: the first run writes one entry per case, the second reads them all.
const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-bench-cache-'));
const cacheServer = await startServer(0);
try {
  const cold = await runOnce(cases, 0, [], cacheDir, cacheServer);
  const warm = await runOnce(cases, 0, [], cacheDir, cacheServer);
  print('cache on, first run (writes every entry): wall', `${cold.seconds.toFixed(2)} s, CPU ${((cold.cpuSeconds * 1000) / cases).toFixed(3)} ms per case`);
  print('cache on, second run (every case cached): wall', `${warm.seconds.toFixed(2)} s, CPU ${((warm.cpuSeconds * 1000) / cases).toFixed(3)} ms per case`);
} finally {
  cacheServer.close();
  rmSync(cacheDir, { recursive: true, force: true });
}

if (!quick) {
  const large = await runOnce(100_000, 0);
  print('100,000 cases, 0 ms server: wall time', `${large.seconds.toFixed(2)} s`);
  print('100,000 cases, 0 ms server: peak RSS', `${large.peakRssMb.toFixed(0)} MB (10,000 cases: ${fast.peakRssMb.toFixed(0)} MB)`);
}
