import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { createProject, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(() => project?.remove());

// A killed process whose parent is gone may stay a zombie until init reaps it; it no longer runs.
function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function readBundle(file: string) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const EXEC_PIPELINE = (program: string, extra = '') => `name: demo
target:
  exec:
    command: [node, ${program}]
    timeout_ms: 2000
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}" }
metrics:
  accuracy: mean(exact)
gates:
  - accuracy >= 0.5
${extra}`;

const CASES = ['{"id":"a","question":"one","answer":"ONE"}', '{"id":"b","question":"two","answer":"TWO"}', '{"id":"c","question":"three","answer":"THREE"}'].join('\n');

describe('proofgate run', () => {
  it('gsm8k example passes and writes a bundle', async () => {
    project = createProject();
    cpSync(path.join(REPO_ROOT, 'examples', 'gsm8k-pot'), project.dir, { recursive: true });

    const result = await runCli(['run', 'pipeline.yaml', '--json'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.verdict).toBe('pass');
    expect(summary.cases.total).toBe(1318);
    expect(summary.metrics.accuracy.value).toBeCloseTo(942 / 1318, 10);
    const [bundle] = project.bundles('gsm8k-pot');
    expect(bundle).toBeDefined();
    const statement = readBundle(bundle as string).statement;
    expect(statement.predicate.verdict).toBe('pass');
    expect(statement.predicate.cases).toHaveLength(1318);
    expect(statement.predicate.dataset.skipped).toBe(2);
    expect(statement.subject[0].digest.sha256).toBe(statement.predicate.pipeline.version);
    expect(result.stderr).toContain('no signing key');
  });

  it('failing gate exits 1 with a fail bundle', async () => {
    project = createProject({
      'app.js': "process.stdout.write(JSON.parse(require('fs').readFileSync(0,'utf8')).vars.question);",
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('app.js'),
    });
    project.write('app.js', "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(input.vars.question);\n");
    project.write('package.json', '{"type":"commonjs"}');

    const result = await runCli(['run', '--json'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.verdict).toBe('fail');
    expect(summary.exitCode).toBe(1);
    const bundle = readBundle(project.bundles('demo')[0] as string);
    expect(bundle.statement.predicate.verdict).toBe('fail');
    expect(bundle.statement.predicate.gates[0]).toMatchObject({ metric: 'accuracy', passed: false, actual: 0 });
    expect(result.stderr).toContain('FAIL');
  });

  it('json output keeps stdout to one JSON document', async () => {
    project = createProject({
      'app.js': "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(input.vars.answer);\n",
      'package.json': '{"type":"commonjs"}',
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('app.js'),
    });

    const result = await runCli(['run', '--json'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(() => JSON.parse(result.stdout)).not.toThrow();
    expect(result.stdout.trim().startsWith('{')).toBe(true);
    expect(result.stderr).toContain('PASS');
  });

  it('invalid YAML exits 2 with file and line', async () => {
    project = createProject({ 'pipeline.yaml': 'name: demo\ntarget:\n  exec: [oops\n', 'cases.jsonl': CASES });

    const result = await runCli(['run'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pipeline\.yaml:\d+:\d+: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(project.bundles('demo')).toHaveLength(0);
  });

  it('unknown metric in a gate exits 2 with its line', async () => {
    project = createProject({
      'app.js': 'process.stdout.write("x")',
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('app.js').replace('accuracy >= 0.5', 'acuracy >= 0.5'),
    });

    const result = await runCli(['run'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pipeline\.yaml:12:5: gates\[0\]: .*acuracy/);
    expect(result.stderr).toContain('accuracy');
  });

  it('schema errors list every problem with positions', async () => {
    project = createProject({
      'cases.jsonl': CASES,
      'pipeline.yaml': `name: Demo Pipeline
target:
  exec: { command: [node, app.js], timeout: 5 }
dataset: { path: cases.jsonl }
scorers:
  - { name: exact, type: exact, expected: "{{answer}}" }
`,
    });

    const result = await runCli(['validate'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pipeline\.yaml:1:7: name: /);
    expect(result.stderr).toMatch(/pipeline\.yaml:3:\d+: target\.exec\.timeout: unknown property "timeout"/);
    expect(result.stderr).toMatch(/pipeline\.yaml:6:\d+: scorers\[0\]\.type: unknown scorer type "exact"/);
  });

  it('duplicate keys are an error', async () => {
    project = createProject({
      'cases.jsonl': CASES,
      'pipeline.yaml': 'name: demo\nname: other\ntarget: { replay: {} }\ndataset: { path: cases.jsonl }\nscorers: [{ name: e, type: json_valid }]\n',
    });

    const result = await runCli(['validate'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pipeline\.yaml:2:\d+: .*[Uu]nique|duplicate/i);
  });

  it('crashing target is a case error', async () => {
    project = createProject({
      'crash.js': "process.stderr.write('loading model\\nTypeError: boom at line 7\\n'); process.exit(3);",
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('crash.js'),
    });

    const result = await runCli(['run', '--json'], { cwd: project.dir });

    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.cases.errors).toBe(3);
    expect(summary.metrics.error_rate.value).toBe(1);
    const cases = readBundle(project.bundles('demo')[0] as string).statement.predicate.cases;
    expect(cases[0].error).toContain('boom at line 7');
    expect(cases[0].scores.exact).toMatchObject({ pass: false, score: 0 });
    expect(result.stderr).toContain('boom at line 7');
  });

  it('hanging target times out per case', async () => {
    project = createProject({
      'hang.js': 'setInterval(() => {}, 1000);',
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('hang.js').replace('timeout_ms: 2000', 'timeout_ms: 300'),
    });

    const result = await runCli(['run', '--json'], { cwd: project.dir });

    expect(result.code).toBe(1);
    const cases = readBundle(project.bundles('demo')[0] as string).statement.predicate.cases;
    expect(cases.map((entry: { error?: string }) => entry.error)).toEqual([
      expect.stringMatching(/timed out after 300 ms/),
      expect.stringMatching(/timed out after 300 ms/),
      expect.stringMatching(/timed out after 300 ms/),
    ]);
  });

  it('timeout stops what the target started', async () => {
    project = createProject({
      'spawner.js': [
        "const { spawn } = require('child_process');",
        "const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 100000)'], { stdio: 'ignore' });",
        "require('fs').appendFileSync('pids.txt', child.pid + '\\n');",
        'setTimeout(() => {}, 100000);',
      ].join('\n'),
      'package.json': '{"type":"commonjs"}',
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('spawner.js').replace('timeout_ms: 2000', 'timeout_ms: 500'),
    });

    const result = await runCli(['run', '--no-cache'], { cwd: project.dir });

    expect(result.code).toBe(1);
    const pids = readFileSync(project.path('pids.txt'), 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const pid of pids) expect(isRunning(pid), `process ${pid}`).toBe(false);
  });

  it('silent target is a case error', async () => {
    project = createProject({ 'silent.js': '', 'cases.jsonl': CASES, 'pipeline.yaml': EXEC_PIPELINE('silent.js') });

    const result = await runCli(['run', '--json'], { cwd: project.dir });

    expect(result.code).toBe(1);
    const cases = readBundle(project.bundles('demo')[0] as string).statement.predicate.cases;
    expect(cases[0].error).toMatch(/nothing on stdout/);
  });

  it('require-signature without a key exits 2', async () => {
    project = createProject({ 'app.js': '', 'cases.jsonl': CASES, 'pipeline.yaml': EXEC_PIPELINE('app.js') });

    const result = await runCli(['run', '--require-signature'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no signing key');
    expect(project.bundles('demo')).toHaveLength(0);
  });

  it('empty dataset exits 2', async () => {
    project = createProject({ 'app.js': '', 'cases.jsonl': '\n', 'pipeline.yaml': EXEC_PIPELINE('app.js') });

    const result = await runCli(['run'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cases\.jsonl/);
    expect(project.bundles('demo')).toHaveLength(0);
  });

  it('missing template field exits 2 before running', async () => {
    project = createProject({
      'app.js': '',
      'cases.jsonl': '{"id":"a","question":"q"}\n',
      'pipeline.yaml': EXEC_PIPELINE('app.js'),
    });

    const result = await runCli(['run'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cases\.jsonl:1: case "a" has no field "answer"/);
  });

  it('file reference outside the project is rejected', async () => {
    project = createProject({
      'app.js': '',
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('app.js', 'config:\n  prompt: file:../../etc/hostname\n'),
    });

    const result = await runCli(['validate'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/config\.prompt: .*(outside the project root|not found)/);
  });

  it('interrupt exits 3 and writes no bundle', async () => {
    project = createProject({
      'slow.js': "setTimeout(() => process.stdout.write('x'), 20000);",
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('slow.js').replace('timeout_ms: 2000', 'timeout_ms: 60000'),
    });

    const result = await runCli(['run'], {
      cwd: project.dir,
      onSpawn: (child) => {
        let sent = false;
        child.stderr?.on('data', (chunk: Buffer) => {
          if (!sent && chunk.toString().includes('running demo')) {
            sent = true;
            setTimeout(() => child.kill('SIGINT'), 300);
          }
        });
      },
    });

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('interrupted');
    expect(project.bundles('demo')).toHaveLength(0);
  });

  it('unwritable proofs folder exits 2 before running', async () => {
    project = createProject({
      'counter.js': "require('fs').appendFileSync('calls.txt', 'x');\nprocess.stdout.write('ONE');\n",
      'package.json': '{"type":"commonjs"}',
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('counter.js'),
      'not-a-folder': 'x',
    });

    const result = await runCli(['run', '--proofs-dir', 'not-a-folder'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot write bundles to .*not-a-folder is a file, not a folder/);
    expect(() => readFileSync(project!.path('calls.txt'))).toThrow();
  });

  it('threshold beyond 2^53 is a config error', async () => {
    project = createProject({
      'app.js': '',
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('app.js').replace('accuracy >= 0.5', 'accuracy >= 99999999999999999999999'),
    });

    const result = await runCli(['validate'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pipeline\.yaml:12:5: gates\[0\]: threshold 1e\+23 is beyond 2\^53/);
  });

  it('failure with --json prints an error document', async () => {
    project = createProject({ 'cases.jsonl': CASES });

    const result = await runCli(['run', 'missing.yaml', '--json'], { cwd: project.dir });

    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ exitCode: 2, error: { code: 'CONFIG_NOT_FOUND' } });
  });

  it('second run links the previous bundle', async () => {
    project = createProject({
      'app.js': "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nprocess.stdout.write(input.vars.answer);\n",
      'package.json': '{"type":"commonjs"}',
      'cases.jsonl': CASES,
      'pipeline.yaml': EXEC_PIPELINE('app.js'),
    });

    const first = await runCli(['run'], { cwd: project.dir });
    const second = await runCli(['run'], { cwd: project.dir });

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const bundles = project.bundles('demo');
    expect(bundles).toHaveLength(2);
    const previous = readBundle(bundles[1] as string).statement.predicate.previous;
    expect(previous.path).toBe(path.relative(project.dir, bundles[0] as string));
    expect(readBundle(bundles[0] as string).statement.predicate.previous).toBeNull();
  });

  it('yaml dataset keeps answers as written', async () => {
    project = createProject({
      'cases.yaml': '- { id: a, answer: yes, output: yes }\n- { id: b, answer: 3.10, output: "3.10" }\n- { id: c, answer: 007, output: "007" }\n',
      'pipeline.yaml': 'name: yaml-answers\ntarget: { replay: { output: output } }\ndataset: { path: cases.yaml, id: id }\nscorers:\n  - { name: exact, type: exact_match, expected: "{{answer}}" }\ngates: ["mean_exact >= 1"]\nmetrics: { mean_exact: mean(exact) }\n',
    });

    const result = await runCli(['run', '--json'], { cwd: project.dir });

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).metrics.mean_exact.value).toBe(1);
  });
});
