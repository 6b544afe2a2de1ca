// command: the user's own scorer program, in any language.
//
// Protocol, one process per case:
//   stdin   {"id": "...", "vars": {...}, "output": ...} as one JSON document
//   stdout  {"score": 0..1, "pass": true|false, "reason": "..."}
// `pass` may be left out only when `score` is exactly 0 or 1, where it is
// implied (1 passes, 0 fails). A fractional score without `pass` is rejected,
// because any default cut-off (0.5, say) would be a guess about the program's
// intent. `reason` is optional. When stdout contains other lines too (logging),
// its last non-empty line is read as the result.
//
// Anything else (a non-zero exit, a signal, a timeout, unparsable stdout, a
// score outside [0, 1]) fails the case with score 0 and a reason that ends with
// the tail of stderr. The score function never throws.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { readNumber, readStringList, scorerConfigError, type ScoreFunction, type ScorerDefinition } from './definition.js';
import { quote } from './normalize.js';
import type { ScoreInput, ScoreResult, ScorerContext, ScorerSpec } from './scorer.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 86_400_000;
const MAX_STDOUT_BYTES = 1024 * 1024;
const STDERR_TAIL_LENGTH = 200;

// Time between SIGTERM at the timeout and SIGKILL, for programs that ignore SIGTERM.
const FORCE_KILL_DELAY_MS = 2_000;

interface CommandSettings {
  file: string;
  args: string[];
  cwd: string;
  timeoutMs: number;
  env: Record<string, string>;
}

function failure(reason: string, stderr = ''): ScoreResult {
  const tail = stderr.trim();
  if (tail === '') return { score: 0, pass: false, reason };

  const cut = tail.length > STDERR_TAIL_LENGTH ? `…${tail.slice(-STDERR_TAIL_LENGTH)}` : tail;
  return { score: 0, pass: false, reason: `${reason}; stderr: ${JSON.stringify(cut)}` };
}

function readEnv(spec: ScorerSpec): Record<string, string> {
  const value = spec.env;
  if (value === undefined) return {};

  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject || !Object.values(value).every((item) => typeof item === 'string')) {
    throw scorerConfigError(spec, '"env" must map variable names to strings');
  }

  return value as Record<string, string>;
}

// A program given as a relative path (./score.py, scorers/judge) is found from
// the pipeline's directory; a bare name (python3) is looked up on PATH.
function resolveProgram(spec: ScorerSpec, program: string, baseDir: string): string {
  const isRelativePath = !path.isAbsolute(program) && /[\\/]/.test(program);
  const resolved = isRelativePath ? path.resolve(baseDir, program) : program;

  if (path.isAbsolute(resolved) && !existsSync(resolved)) {
    const hint = `check "command" (a relative path resolves from ${baseDir})`;
    throw scorerConfigError(spec, `the program ${resolved} does not exist; ${hint}`);
  }

  return resolved;
}

function readSettings(spec: ScorerSpec, context: ScorerContext): CommandSettings {
  const [program, ...args] = readStringList(spec, 'command');
  const file = resolveProgram(spec, program as string, context.baseDir);
  const timeoutMs = readNumber(spec, 'timeout_ms', DEFAULT_TIMEOUT_MS, { min: 1, max: MAX_TIMEOUT_MS });

  return { file, args, cwd: context.baseDir, timeoutMs, env: readEnv(spec) };
}

function parseJsonLine(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    const lines = stdout.split('\n').filter((line) => line.trim() !== '');
    const last = lines[lines.length - 1];
    if (last === undefined) return undefined;

    try {
      return JSON.parse(last);
    } catch {
      return undefined;
    }
  }
}

/** Reads the program's stdout into a result, or a reason why it is not one. */
function parseResponse(stdout: string): ScoreResult | string {
  const parsed = parseJsonLine(stdout);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `stdout is not a JSON object such as {"score": 1, "pass": true}: ${quote(stdout.trim())}`;
  }

  const { score, pass, reason } = parsed as Record<string, unknown>;
  if (typeof score !== 'number' || !(score >= 0 && score <= 1)) {
    return `"score" must be a number from 0 to 1, but stdout has ${quote(JSON.stringify(score) ?? 'no score')}`;
  }

  if (pass !== undefined && typeof pass !== 'boolean') {
    return `"pass" must be true or false, but stdout has ${quote(JSON.stringify(pass))}`;
  }

  if (pass === undefined && score !== 0 && score !== 1) {
    return `"pass" is required when "score" is ${score} (only 0 and 1 imply it)`;
  }

  const result: ScoreResult = { score, pass: pass ?? score === 1 };
  if (typeof reason === 'string' && reason !== '') result.reason = reason;
  return result;
}

function describeStartFailure(file: string, code: string | undefined, message: string | undefined): string {
  if (code === 'ENOENT') return `the program ${file} was not found; check "command" and PATH`;
  if (code === 'EACCES') return `the program ${file} is not executable; run chmod +x on it`;

  return `the command could not start: ${code ?? message ?? 'unknown error'}`;
}

async function runCommand(settings: CommandSettings, input: ScoreInput): Promise<ScoreResult> {
  const stdin = JSON.stringify({ id: input.id, vars: input.vars, output: input.output ?? null });
  const result = await execa(settings.file, settings.args, {
    cwd: settings.cwd,
    env: settings.env,
    input: stdin,
    timeout: settings.timeoutMs,
    forceKillAfterDelay: FORCE_KILL_DELAY_MS,
    maxBuffer: { stdout: MAX_STDOUT_BYTES },
    reject: false,
  });

  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (result.timedOut) return failure(`the command timed out after ${settings.timeoutMs} ms`, stderr);
  if (result.isMaxBuffer) return failure(`the command wrote more than ${MAX_STDOUT_BYTES} bytes to stdout`, stderr);
  if (result.signal) return failure(`the command was killed by ${result.signal}`, stderr);
  if (result.exitCode === undefined) return failure(describeStartFailure(settings.file, result.code, result.originalMessage));

  if (result.exitCode !== 0) return failure(`the command exited with code ${result.exitCode}`, stderr);

  const response = parseResponse(typeof result.stdout === 'string' ? result.stdout : '');
  return typeof response === 'string' ? failure(response, stderr) : response;
}

// NOTE: ScoreInput carries no abort signal, so an interrupted run does not stop
// a scorer program early. The timeout ends it, or execa's cleanup when proofgate exits.
function createCommand(spec: ScorerSpec, context: ScorerContext): ScoreFunction {
  const settings = readSettings(spec, context);

  return async (input) => {
    try {
      return await runCommand(settings, input);
    } catch (error) {
      return failure(`the command failed: ${(error as Error).message}`);
    }
  };
}

export const COMMAND_SCORERS: Record<string, ScorerDefinition> = {
  command: { templateParameters: [], create: createCommand },
};
