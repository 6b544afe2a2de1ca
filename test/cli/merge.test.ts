import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shardIndex } from '../../src/dataset/index.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { createProject, initGit, type TempProject } from '../helpers/project.js';

let project: TempProject;

const PIPELINE = `name: sharded
target:
  exec:
    command: [node, app.js]
materials: [app.js]
dataset: { path: cases.jsonl, id: id }
scorers:
  - { name: exact, type: exact_match, expected: "{{answer}}", normalize: [case] }
  - { name: f1, type: token_f1, expected: "{{answer}}" }
  - { name: close, type: levenshtein, expected: "{{answer}}", threshold: 0.7 }
metrics:
  accuracy: mean(exact)
  answer_f1: mean(f1)
  f1_p90: p90(f1)
  close_rate: pass_rate(close)
  similarity_min: min(close)
  tokens: sum(input_tokens)
gates:
  - accuracy >= 0.5
  - answer_f1 >= 0.6
`;

// Answers with the case's recorded guess, so some cases pass, some fail partly and one errors.
const APP = `const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
if (input.vars.guess === null) { process.stderr.write('no guess'); process.exit(3); }
process.stdout.write(JSON.stringify({ output: input.vars.guess, usage: { input_tokens: input.vars.guess.length } }));
`;

const ANSWERS = [
  ['the red fox', 'the red fox'],
  ['blue whale', 'Blue Whale'],
  ['green tea leaves', 'green tea'],
  ['a yellow submarine', 'yellow submarines'],
  ['black coffee', 'black coffee'],
  ['white rabbit hole', 'white rabbit'],
  ['orange juice', 'apple juice'],
  ['purple rain', 'purple rain'],
  ['silver lining', 'gold lining'],
  ['grey matter', 'grey matter'],
  ['brown bear', null],
  ['pink panther', 'pink panther'],
] as const;

const CASES = ANSWERS.map(([answer, guess], index) => JSON.stringify({ id: `case-${index + 1}`, answer, guess })).join('\n');

async function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: project.dir });
}

async function keygen(): Promise<string> {
  const result = await cli(['keygen', '--out', 'keys/ci.pem', '--principal', 'ci@example.com', '--trust', '.proofgate/allowed_signers']);
  expect(result.code, result.stderr).toBe(0);
  return 'keys/ci.pem';
}

async function runShards(count: number, extra: string[] = []): Promise<string[]> {
  for (let index = 1; index <= count; index += 1) {
    const result = await cli(['run', '--shard', `${index}/${count}`, '--no-progress', ...extra]);
    expect(result.code, result.stderr).toBe(0);
  }
  return shardFiles();
}

function shardFiles(): string[] {
  const dir = project.path('proofs/sharded/shards');
  return readdirSync(dir).filter((name) => name.endsWith('.json')).sort().map((name) => path.join('proofs/sharded/shards', name));
}

function readJson(relative: string) {
  return JSON.parse(readFileSync(project.path(relative), 'utf8'));
}

// Latency differs from run to run, and a case served from the cache says so; neither is part of the comparison.
function comparableCases(cases: Array<Record<string, unknown>>) {
  return cases.map(({ latency_ms: _latency, cached: _cached, ...rest }) => rest);
}

beforeEach(() => {
  project = createProject({ 'pipeline.yaml': PIPELINE, 'app.js': APP, 'package.json': '{"type":"commonjs"}', 'cases.jsonl': `${CASES}\n` });
  initGit(project.dir);
});
afterEach(() => project.remove());

describe('run --shard and merge', () => {
  it('merge equals the unsharded run', async () => {
    const key = await keygen();
    const whole = await cli(['run', '--json', '--no-progress', '--key', key, '--no-cache']);
    expect(whole.code, whole.stderr).toBe(1);

    const parts = await runShards(3, ['--key', key, '--no-cache']);
    const merged = await cli(['merge', '--json', '--key', key, ...parts]);
    expect(merged.code, merged.stderr).toBe(whole.code);

    const wholeSummary = JSON.parse(whole.stdout);
    const mergedSummary = JSON.parse(merged.stdout);
    expect(mergedSummary.metrics).toEqual(wholeSummary.metrics);
    expect(mergedSummary.gates).toEqual(wholeSummary.gates);
    expect(mergedSummary.verdict).toBe(wholeSummary.verdict);
    expect(mergedSummary.cases).toEqual(wholeSummary.cases);
    expect(mergedSummary.dataset).toEqual(wholeSummary.dataset);

    const wholeBundle = readJson(wholeSummary.bundle).statement.predicate;
    const mergedBundle = readJson(mergedSummary.bundle).statement.predicate;
    expect(comparableCases(mergedBundle.cases)).toEqual(comparableCases(wholeBundle.cases));
    expect(mergedBundle.dataset).toEqual(wholeBundle.dataset);
    expect(mergedBundle.metrics).toEqual(wholeBundle.metrics);
    expect(mergedBundle.summary).toEqual(wholeBundle.summary);
    expect(mergedBundle.shards.count).toBe(3);
    expect(mergedBundle.shards.parts.map((part: { index: number }) => part.index)).toEqual([1, 2, 3]);
    expect(mergedBundle.previous.path).toBe(wholeSummary.bundle);
  });

  it('merged bundle verifies', async () => {
    project.write('cases.jsonl', `${CASES.replace('"guess":null', '"guess":"brown bear"')}\n`);
    const key = await keygen();
    initGit(project.dir);

    const parts = await runShards(2, ['--key', key]);
    const merged = await cli(['merge', '--json', '--key', key, ...parts]);
    expect(merged.code, merged.stderr).toBe(0);

    const verified = await cli(['verify', JSON.parse(merged.stdout).bundle]);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('shard records its part', async () => {
    const key = await keygen();
    const result = await cli(['run', '--shard', '2/3', '--json', '--no-progress', '--key', key]);
    expect(result.code, result.stderr).toBe(0);

    const summary = JSON.parse(result.stdout);
    const expectedIds = ANSWERS.map((_, index) => `case-${index + 1}`).filter((id) => shardIndex(id, 3) === 1);
    const part = readJson(summary.part);
    expect(summary.shard).toEqual({ index: 2, count: 3 });
    expect(summary.part).toMatch(/^proofs\/sharded\/shards\/[0-9a-f]{12}-[0-9a-f]{12}-2of3\.json$/);
    expect(part.statement.predicateType).toBe('https://proofgate.dev/attestation/eval-shard/v1');
    expect(part.statement.predicate.shard).toEqual({ index: 2, count: 3 });
    expect(part.statement.predicate.cases.map((item: { id: string }) => item.id)).toEqual(expectedIds);
    expect(part.signatures).toHaveLength(1);
    expect('verdict' in part.statement.predicate).toBe(false);
    expect(project.bundles('sharded')).toEqual([]);
    expect(result.stderr).toContain('proofgate merge');
  });

  it('failing shard still exits 0', async () => {
    project.write('cases.jsonl', `${CASES.replace(/"guess":"[^"]*"/g, '"guess":"wrong"')}\n`);
    const result = await cli(['run', '--shard', '1/2', '--no-progress']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('no gates were evaluated');
  });

  it('empty shards still merge', async () => {
    project.write('cases.jsonl', '{"id":"only","answer":"x","guess":"x"}\n');
    const parts = await runShards(4);
    expect(parts).toHaveLength(4);

    const merged = await cli(['merge', '--json', '--allow-unsigned', ...parts]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout).cases.total).toBe(1);
  });

  it('missing shard exits 2', async () => {
    const parts = await runShards(3);

    const merged = await cli(['merge', '--allow-unsigned', parts[0] as string, parts[2] as string]);

    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('shard 2/3 is missing');
    expect(project.bundles('sharded')).toEqual([]);
  });

  it('duplicated shard exits 2', async () => {
    const parts = await runShards(3);
    const copy = project.write('elsewhere/copy.json', readFileSync(project.path(parts[0] as string), 'utf8'));

    const merged = await cli(['merge', '--allow-unsigned', ...parts, copy]);

    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('shard 1/3 was given 2 times');
    expect(merged.stderr).toMatch(/case "case-\d+" appears in both/);
    expect(project.bundles('sharded')).toEqual([]);
  });

  it('unsigned parts need a flag', async () => {
    const parts = await runShards(2);

    const merged = await cli(['merge', ...parts]);

    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('--allow-unsigned');
  });

  it('tampered part exits 2', async () => {
    const key = await keygen();
    const parts = await runShards(2, ['--key', key]);
    const file = project.path(parts[0] as string);
    const part = JSON.parse(readFileSync(file, 'utf8'));
    const failing = part.statement.predicate.cases.find((item: { pass: boolean }) => !item.pass) ?? part.statement.predicate.cases[0];
    failing.pass = !failing.pass;
    writeFileSync(file, JSON.stringify(part, null, 2));

    const merged = await cli(['merge', '--key', key, ...parts]);

    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('does not match the statement');
    expect(project.bundles('sharded')).toEqual([]);
  });

  it('untrusted signer exits 2', async () => {
    const key = await keygen();
    const parts = await runShards(2, ['--key', key]);
    project.write('.proofgate/allowed_signers', '# nobody is trusted\n');

    const merged = await cli(['merge', ...parts]);

    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('does not verify with any ed25519 key');
  });

  it('parts of different versions exit 2', async () => {
    const first = await cli(['run', '--shard', '1/2', '--no-progress']);
    expect(first.code, first.stderr).toBe(0);
    project.write('app.js', `${APP}// changed\n`);
    const second = await cli(['run', '--shard', '2/2', '--no-progress']);
    expect(second.code, second.stderr).toBe(0);

    const merged = await cli(['merge', '--allow-unsigned', ...shardFiles()]);

    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('has pipeline version');
  });

  it('changed working tree exits 2', async () => {
    const parts = await runShards(2);
    project.write('app.js', `${APP}// changed after the shards ran\n`);

    const merged = await cli(['merge', '--allow-unsigned', ...parts]);

    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('but the shards ran version');
  });

  it('evaluation bundle is not a part', async () => {
    const whole = await cli(['run', '--json', '--no-progress']);
    const bundle = JSON.parse(whole.stdout).bundle;

    const merged = await cli(['merge', '--allow-unsigned', bundle]);

    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('is not a shard result');
  });

  it('bad --shard is a usage error', async () => {
    const result = await cli(['run', '--shard', '4/3']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shard index must be between 1 and 3');
  });
});
