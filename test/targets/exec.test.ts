import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createExecTarget, type ExecTargetSpec } from '../../src/targets/exec.js';
import type { TargetContext } from '../../src/targets/index.js';
import { CaseError, TargetUnavailableError, type TargetRequest } from '../../src/targets/target.js';

// Each script is a real program run by the target; `node` is this test's own binary.
const SCRIPTS: Record<string, string> = {
  'structured.mjs': `
    let input = '';
    process.stdin.on('data', (chunk) => (input += chunk));
    process.stdin.on('end', () => {
      const request = JSON.parse(input);
      const output = { echo: request.vars.question, id: request.id, config: request.config, cwd: process.cwd(), extra: process.env.EXTRA_SETTING };
      console.log(JSON.stringify({ output, usage: { input_tokens: 1000, output_tokens: 500 }, metadata: { retrieved: 3 } }));
    });
  `,
  'text.mjs': `process.stdout.write('plain answer\\n');`,
  'json-document.mjs': `console.log(JSON.stringify({ answer: 42 }));`,
  'reported-cost.mjs': `console.log(JSON.stringify({ output: 'x', usage: { input_tokens: 10 }, cost_usd: 0.5 }));`,
  'bad-usage.mjs': `console.log(JSON.stringify({ output: 'x', usage: { input_tokens: -3 } }));`,
  'crash.mjs': `
    for (let line = 1; line <= 30; line += 1) console.error('log line ' + line);
    process.exit(3);
  `,
  'hang.mjs': `setInterval(() => {}, 1000);`,
  'hang-with-pid.mjs': `
    import { writeFileSync } from 'node:fs';
    writeFileSync(process.argv[2], String(process.pid));
    setInterval(() => {}, 1000);
  `,
  'silent.mjs': `console.error('nothing to say');`,
};

let baseDir: string;

beforeAll(async () => {
  baseDir = await mkdtemp(path.join(tmpdir(), 'proofgate-exec-'));
  for (const [name, source] of Object.entries(SCRIPTS)) {
    await writeFile(path.join(baseDir, name), source);
  }

  await mkdir(path.join(baseDir, 'bin'));
  await writeFile(path.join(baseDir, 'bin', 'run.mjs'), `#!${process.execPath}\nconsole.log('from bin');\n`);
  await chmod(path.join(baseDir, 'bin', 'run.mjs'), 0o755);
  await writeFile(path.join(baseDir, 'bin', 'not-executable.sh'), '#!/bin/sh\necho hi\n');
  await chmod(path.join(baseDir, 'bin', 'not-executable.sh'), 0o644);
});

afterAll(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

function makeContext(): TargetContext {
  return {
    baseDir,
    env: process.env,
    readFile: () => '',
    resolvePath: (relative) => path.join(baseDir, relative),
  };
}

function makeRequest(vars: Record<string, unknown> = {}, signal = new AbortController().signal): TargetRequest {
  return { case: { id: 'case-7', index: 0, vars }, config: { top_k: 4 }, signal };
}

function nodeTarget(script: string, extra: Partial<ExecTargetSpec> = {}): ReturnType<typeof createExecTarget> {
  return createExecTarget({ command: [process.execPath, script], ...extra }, makeContext());
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('createExecTarget', () => {
  it('reads structured JSON output', async () => {
    const target = nodeTarget('structured.mjs', {
      env: { EXTRA_SETTING: 'on' },
      pricing: { input_per_million: 3, output_per_million: 15 },
    });

    const result = await target.call(makeRequest({ question: 'why?' }));

    expect(result.output).toEqual({ echo: 'why?', id: 'case-7', config: { top_k: 4 }, cwd: baseDir, extra: 'on' });
    expect(result.usage).toEqual({ input_tokens: 1000, output_tokens: 500 });
    expect(result.metadata).toEqual({ retrieved: 3 });
    expect(result.cost_usd).toBeCloseTo(0.0105, 12);
  });

  it('takes plain text as output', async () => {
    const result = await nodeTarget('text.mjs').call(makeRequest());

    expect(result).toEqual({ output: 'plain answer' });
  });

  it('keeps JSON without output as text', async () => {
    const result = await nodeTarget('json-document.mjs').call(makeRequest());

    expect(result).toEqual({ output: '{"answer":42}' });
  });

  it('prefers a reported cost', async () => {
    const target = nodeTarget('reported-cost.mjs', { pricing: { input_per_million: 1000, output_per_million: 1000 } });

    const result = await target.call(makeRequest());

    expect(result.cost_usd).toBe(0.5);
  });

  it('rejects negative usage', async () => {
    const error = await failureOf(nodeTarget('bad-usage.mjs').call(makeRequest()));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('usage.input_tokens');
    expect(error.message).toContain('non-negative number');
  });

  it('shows the stderr tail on crash', async () => {
    const error = await failureOf(nodeTarget('crash.mjs').call(makeRequest()));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('case "case-7"');
    expect(error.message).toContain('exited with code 3');
    expect(error.message).toContain('log line 30');
    expect(error.message).toContain('log line 11');
    expect(error.message).not.toContain('log line 10\n');
  });

  it('times out a hanging program', async () => {
    const error = await failureOf(nodeTarget('hang.mjs', { timeout_ms: 300 }).call(makeRequest()));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('timed out after 300 ms');
  });

  it('fails a silent program', async () => {
    const error = await failureOf(nodeTarget('silent.mjs').call(makeRequest()));

    expect(error).toBeInstanceOf(CaseError);
    expect(error.message).toContain('printed nothing on stdout');
    expect(error.message).toContain('nothing to say');
  });

  it('resolves relative programs against baseDir', async () => {
    const target = createExecTarget({ command: ['./bin/run.mjs'] }, makeContext());

    const result = await target.call(makeRequest());

    expect(result.output).toBe('from bin');
  });

  it('reports a missing command', async () => {
    for (const command of [['./bin/no-such-program'], ['proofgate-no-such-command']]) {
      const target = createExecTarget({ command }, makeContext());

      const error = await failureOf(target.call(makeRequest()));

      expect(error, command[0]).toBeInstanceOf(TargetUnavailableError);
      expect(error.message, command[0]).toContain('command not found (ENOENT)');
    }
  });

  it('reports a non-executable file', async () => {
    const target = createExecTarget({ command: ['bin/not-executable.sh'] }, makeContext());

    const error = await failureOf(target.call(makeRequest()));

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(error.message).toContain('permission denied (EACCES)');
  });

  it('kills the child on abort', async () => {
    const pidFile = path.join(baseDir, 'hang.pid');
    const target = createExecTarget({ command: [process.execPath, 'hang-with-pid.mjs', pidFile] }, makeContext());
    const controller = new AbortController();
    const reason = new Error('run interrupted');

    const pending = failureOf(target.call(makeRequest({}, controller.signal)));
    const pid = await vi.waitFor(
      async () => {
        const text = existsSync(pidFile) ? await readFile(pidFile, 'utf8') : '';
        expect(text).toMatch(/^\d+$/);
        return Number(text);
      },
      { timeout: 10_000 },
    );
    controller.abort(reason);

    expect(await pending).toBe(reason);
    expect(isRunning(pid)).toBe(false);
  });
});
