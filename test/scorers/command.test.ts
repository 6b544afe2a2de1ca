import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { createScorer } from '../../src/scorers/index.js';
import type { ScoreResult, ScorerContext } from '../../src/scorers/scorer.js';

const SCRIPTS: Record<string, string> = {
  // Passes when the output equals vars.expected; echoes what it received.
  'judge.mjs': `
    let text = '';
    process.stdin.on('data', (chunk) => { text += chunk; });
    process.stdin.on('end', () => {
      const input = JSON.parse(text);
      const pass = input.output === input.vars.expected;
      const reason = pass ? undefined : 'id ' + input.id + ' got ' + JSON.stringify(input.output);
      process.stdout.write(JSON.stringify({ score: pass ? 1 : 0.25, pass, reason }) + '\\n');
    });
  `,
  'crash.mjs': `
    process.stderr.write('loading model...\\nTypeError: boom at line 3\\n');
    process.exit(3);
  `,
  'hang.mjs': `
    process.stdin.resume();
    setInterval(() => {}, 1000);
  `,
  'stubborn.mjs': `
    process.on('SIGTERM', () => {});
    process.stdin.resume();
    setInterval(() => {}, 1000);
  `,
  'not-json.mjs': `process.stdout.write('looks fine to me\\n');`,
  'out-of-range.mjs': `process.stdout.write(JSON.stringify({ score: 1.5, pass: true }));`,
  'fraction-only.mjs': `process.stdout.write(JSON.stringify({ score: 0.7 }));`,
  'implied.mjs': `process.stdout.write(JSON.stringify({ score: Number(process.argv[2]) }));`,
  'chatty.mjs': `
    console.log('debug: starting');
    console.log(JSON.stringify({ score: 1, pass: true }));
  `,
  'env.mjs': `process.stdout.write(JSON.stringify({ score: 0, pass: false, reason: 'mode=' + process.env.JUDGE_MODE }));`,
  'cwd.mjs': `
    import { readFileSync } from 'node:fs';
    const expected = readFileSync('data/expected.txt', 'utf8').trim();
    process.stdout.write(JSON.stringify({ score: 0, pass: false, reason: 'read ' + expected }));
  `,
};

let baseDir = '';
let context: ScorerContext;

beforeAll(() => {
  baseDir = mkdtempSync(path.join(tmpdir(), 'proofgate-command-'));
  mkdirSync(path.join(baseDir, 'scorers'));
  mkdirSync(path.join(baseDir, 'data'));
  for (const [name, source] of Object.entries(SCRIPTS)) writeFileSync(path.join(baseDir, 'scorers', name), source);
  writeFileSync(path.join(baseDir, 'data', 'expected.txt'), 'forty-two\n');

  const launcher = path.join(baseDir, 'scorers', 'run-judge');
  writeFileSync(launcher, `#!/bin/sh\nexec "${process.execPath}" "${path.join(baseDir, 'scorers', 'judge.mjs')}"\n`);
  chmodSync(launcher, 0o755);

  context = { baseDir, readFile: () => '' };
});

afterAll(() => rmSync(baseDir, { recursive: true, force: true }));

function nodeScorer(script: string, extra: Record<string, unknown> = {}) {
  return createScorer({ name: 'judge', type: 'command', command: [process.execPath, `scorers/${script}`], ...extra }, context);
}

async function run(script: string, output: unknown, extra: Record<string, unknown> = {}): Promise<ScoreResult> {
  return nodeScorer(script, extra).score({ output, vars: { expected: 'Paris' }, id: 'case-7' });
}

describe('command scorer', () => {
  it('passes the case over stdin', async () => {
    expect(await run('judge.mjs', 'Paris')).toEqual({ score: 1, pass: true });
  });

  it('returns the program judgement', async () => {
    expect(await run('judge.mjs', 'Rome')).toEqual({ score: 0.25, pass: false, reason: 'id case-7 got "Rome"' });
  });

  it('sends null for a missing output', async () => {
    const result = await run('judge.mjs', undefined);
    expect(result.reason).toBe('id case-7 got null');
  });

  it('reports a crash with stderr', async () => {
    const result = await run('crash.mjs', 'Paris');
    expect(result.score).toBe(0);
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('the command exited with code 3; stderr: "loading model...\\nTypeError: boom at line 3"');
  });

  it('kills a hanging program', async () => {
    const result = await run('hang.mjs', 'Paris', { timeout_ms: 300 });
    expect(result.pass).toBe(false);
    expect(result.score).toBe(0);
    expect(result.reason).toBe('the command timed out after 300 ms');
  });

  it('kills a program ignoring SIGTERM', async () => {
    const result = await run('stubborn.mjs', 'Paris', { timeout_ms: 200 });
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('the command timed out after 200 ms');
  });

  it('rejects output that is not JSON', async () => {
    const result = await run('not-json.mjs', 'Paris');
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('stdout is not a JSON object such as {"score": 1, "pass": true}: "looks fine to me"');
  });

  it('rejects a score above 1', async () => {
    const result = await run('out-of-range.mjs', 'Paris');
    expect(result).toEqual({ score: 0, pass: false, reason: '"score" must be a number from 0 to 1, but stdout has "1.5"' });
  });

  it('requires pass for fractional scores', async () => {
    const result = await run('fraction-only.mjs', 'Paris');
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('"pass" is required when "score" is 0.7 (only 0 and 1 imply it)');
  });

  it('implies pass from 0 and 1', async () => {
    const scorerOf = (value: string) =>
      createScorer({ name: 'judge', type: 'command', command: [process.execPath, 'scorers/implied.mjs', value] }, context);
    expect(await scorerOf('1').score({ output: 'x', vars: {}, id: '1' })).toEqual({ score: 1, pass: true });
    expect(await scorerOf('0').score({ output: 'x', vars: {}, id: '1' })).toEqual({ score: 0, pass: false, reason: 'command returned score 0 without a reason' });
  });

  it('names a negated command that passed', async () => {
    const spec = { name: 'judge', type: 'command', command: [process.execPath, 'scorers/implied.mjs', '1'], negate: true };
    const result = await createScorer(spec, context).score({ output: 'x', vars: {}, id: '1' });
    expect(result).toEqual({ score: 0, pass: false, reason: 'negated: command passed' });
  });

  it('reads the last stdout line', async () => {
    expect(await run('chatty.mjs', 'Paris')).toEqual({ score: 1, pass: true });
  });

  it('passes extra environment variables', async () => {
    const result = await run('env.mjs', 'Paris', { env: { JUDGE_MODE: 'strict' } });
    expect(result.reason).toBe('mode=strict');
  });

  it('runs in the pipeline directory', async () => {
    const result = await run('cwd.mjs', 'Paris');
    expect(result.reason).toBe('read forty-two');
  });

  it('resolves a relative program path', async () => {
    const scorer = createScorer({ name: 'judge', type: 'command', command: ['./scorers/run-judge'] }, context);
    expect(await scorer.score({ output: 'Paris', vars: { expected: 'Paris' }, id: '1' })).toEqual({ score: 1, pass: true });
  });

  it('rejects a missing relative program', () => {
    const spec = { name: 'judge', type: 'command', command: ['./scorers/nope.sh'] };
    expect(() => createScorer(spec, context)).toThrow(ProofgateError);
    expect(() => createScorer(spec, context)).toThrow(/^scorer "judge" \(command\): the program .*scorers\/nope.sh does not exist/);
  });

  it('fails a non-executable program', async () => {
    const scorer = createScorer({ name: 'judge', type: 'command', command: ['./scorers/judge.mjs'] }, context);
    const result = await scorer.score({ output: 'x', vars: {}, id: '1' });
    expect(result.pass).toBe(false);
    expect(result.reason).toBe(`the program ${path.join(baseDir, 'scorers', 'judge.mjs')} is not executable; run chmod +x on it`);
  });

  it('fails a case when PATH lacks the program', async () => {
    const scorer = createScorer({ name: 'judge', type: 'command', command: ['proofgate-no-such-program-xyz'] }, context);
    const result = await scorer.score({ output: 'x', vars: {}, id: '1' });
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('the program proofgate-no-such-program-xyz was not found; check "command" and PATH');
  });
});
