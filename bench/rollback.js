#!/usr/bin/env node
// Benchmark for `proofgate rollback` in a repository with many bundles.
// Builds a temporary git repository with 50 commits that each change a
// prompt, one signed bundle per commit (made by the built CLI against a
// replay target), then times rollbacks to the oldest version. Prints
// figures; it asserts nothing. Usage: npm run build && node bench/rollback.js [--bundles N] [--repeat N]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'proofgate.js');
const bundleCount = readNumberFlag('--bundles', 50);
const repeat = readNumberFlag('--repeat', 5);

function readNumberFlag(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

function git(dir, ...args) {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function proofgate(dir, ...args) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  const ms = performance.now() - started;

  if (result.status !== 0) {
    throw new Error(`proofgate ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  }

  return { ms, stdout: result.stdout };
}

function writeProject(dir) {
  const cases = Array.from({ length: 20 }, (_, index) => JSON.stringify({ id: `c${index}`, answer: `a${index}` }));

  writeFileSync(path.join(dir, 'cases.jsonl'), `${cases.join('\n')}\n`);
  writeFileSync(path.join(dir, '.gitignore'), 'keys/\n');
  writeFileSync(path.join(dir, 'pipeline.yaml'), [
    'name: bench',
    'target:',
    '  replay: { output: answer }',
    'config:',
    '  prompt: file:prompts/answer.md',
    'materials: [prompts/*.md]',
    'dataset: { path: cases.jsonl, id: id }',
    'scorers:',
    '  - { name: exact, type: exact_match, expected: "{{answer}}" }',
    'metrics:',
    '  accuracy: mean(exact)',
    'gates:',
    '  - accuracy >= 1',
    '',
  ].join('\n'));
}

function buildRepository(dir) {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'bench@example.com');
  git(dir, 'config', 'user.name', 'proofgate bench');
  git(dir, 'config', 'commit.gpgsign', 'false');
  mkdirSync(path.join(dir, 'prompts'));
  writeProject(dir);
  proofgate(dir, 'keygen', '--out', 'keys/ci.pem', '--principal', 'ci@example.com', '--trust', '.proofgate/allowed_signers');

  const runTimes = [];

  for (let index = 0; index < bundleCount; index += 1) {
    writeFileSync(path.join(dir, 'prompts', 'answer.md'), `Answer briefly. Revision ${index}.\n`);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `prompt revision ${index}`);
    runTimes.push(proofgate(dir, 'run', '--key', 'keys/ci.pem', '--no-progress').ms);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `bundle for revision ${index}`);
  }

  return runTimes;
}

function oldestVersion(dir) {
  const folder = path.join(dir, 'proofs', 'bench');
  const [oldest] = readdirSync(folder).filter((name) => name.endsWith('.json')).sort();

  return JSON.parse(readFileSync(path.join(folder, oldest), 'utf8')).statement.subject[0].digest.sha256;
}

function timeRollbacks(dir, args, reset) {
  const times = [];

  for (let attempt = 0; attempt < repeat; attempt += 1) {
    times.push(proofgate(dir, 'rollback', 'bench', ...args).ms);
    reset();
  }

  return times;
}

function describe(times) {
  const sorted = [...times].sort((left, right) => left - right);
  const median = sorted[Math.floor(sorted.length / 2)];

  return `median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms (${times.length} runs)`;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'proofgate-bench-rollback-'));

try {
  const built = performance.now();
  const runTimes = buildRepository(dir);
  const head = git(dir, 'rev-parse', 'HEAD');
  const oldest = oldestVersion(dir);
  const resetTree = () => {
    git(dir, 'reset', '-q', '--hard', head);
    git(dir, 'clean', '-q', '-fd', 'proofs');
  };

  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.cpus().length}, ${os.platform()}`);
  console.log(`repository: ${bundleCount} signed bundles in ${git(dir, 'rev-list', '--count', 'HEAD')} commits, built in ${((performance.now() - built) / 1000).toFixed(1)} s`);
  console.log(`proofgate run per bundle: ${describe(runTimes)}`);
  console.log(`rollback --to <oldest version>:           ${describe(timeRollbacks(dir, ['--to', oldest.slice(0, 12), '--key', 'keys/ci.pem'], resetTree))}`);
  console.log(`rollback --to <oldest version> --commit:  ${describe(timeRollbacks(dir, ['--to', oldest.slice(0, 12), '--key', 'keys/ci.pem', '--commit'], resetTree))}`);
  console.log(`rollback --to previous:                   ${describe(timeRollbacks(dir, ['--to', 'previous', '--key', 'keys/ci.pem'], resetTree))}`);
  console.log(`proofgate --version (process start-up):   ${describe(Array.from({ length: repeat }, () => proofgate(dir, '--version').ms))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
