// The user's own pipeline program, run once per case without a shell. The case
// goes to stdin as one JSON line. Stdout is the output, either as text or as a
// JSON object with an `output` key and optional usage, cost and metadata.

import path from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { ProofgateError } from '../errors.js';
import { withComputedCost, type Pricing } from './pricing.js';
import { CaseError, TargetUnavailableError } from './target.js';
import type { Target, TargetRequest, TargetResult, Usage } from './target.js';
import type { TargetContext } from './index.js';

/** The `target.exec` block of pipeline.yaml. */
export interface ExecTargetSpec {
  /** Program and arguments; a relative program path containing a slash resolves against the project directory. */
  command: string[];
  /** Time limit in ms for one case; default 60000. */
  timeout_ms?: number;
  /** Variables added to the environment the program inherits. */
  env?: Record<string, string>;
  pricing?: Pricing;
}

const DEFAULT_TIMEOUT_MS = 60_000;
// Time between SIGTERM and SIGKILL for a program that ignores SIGTERM after a
// timeout or an interrupted run.
const FORCE_KILL_AFTER_MS = 2_000;
const STDOUT_MAX_BYTES = 10 * 1024 * 1024;
const STDERR_KEEP_CHARS = 8_000;
const STDERR_TAIL_LINES = 20;
const STDERR_TAIL_CHARS = 2_000;
const INVALID_VALUE_MAX_CHARS = 100;

/** The fields of an execa result that show whether and how the program failed. */
interface RunOutcome {
  failed: boolean;
  timedOut: boolean;
  isMaxBuffer: boolean;
  signal?: string;
  exitCode?: number;
  originalMessage?: string;
  shortMessage?: string;
}

/** Creates a target that runs `spec.command` once per case in the project directory. */
export function createExecTarget(spec: ExecTargetSpec, context: TargetContext): Target {
  const program = spec.command[0] ?? '';
  const args = spec.command.slice(1);
  if (program === '') {
    throw new ProofgateError(
      'CONFIG_INVALID',
      'target.exec.command is empty: give the program and its arguments, such as [node, app/answer.js]',
    );
  }

  const file = resolveProgram(program, context.baseDir);
  const env = { ...context.env, ...spec.env };
  const timeoutMs = spec.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const display = spec.command.join(' ');

  async function call(request: TargetRequest): Promise<TargetResult> {
    request.signal.throwIfAborted();
    const { case: testCase, signal } = request;
    const input = `${JSON.stringify(execInput(request))}\n`;

    const subprocess = execa(file, args, {
      cwd: context.baseDir,
      env,
      extendEnv: false,
      input,
      timeout: timeoutMs,
      cancelSignal: signal,
      forceKillAfterDelay: FORCE_KILL_AFTER_MS,
      encoding: 'buffer',
      stripFinalNewline: false,
      maxBuffer: { stdout: STDOUT_MAX_BYTES },
      buffer: { stdout: true, stderr: false },
      reject: false,
      // Its own process group, so that a timeout or an interrupt can stop
      // whatever the program started too, not only the program itself.
      detached: true,
    });
    const groupId = subprocess.pid;
    if (groupId !== undefined) runningGroups.add(groupId);
    const readStderrTail = collectTail(subprocess.stderr);
    const result = await subprocess;
    if (groupId !== undefined) {
      runningGroups.delete(groupId);
      if (result.timedOut || result.isCanceled) killGroup(groupId);
    }
    const spawnCode = result.code;

    if (result.isCanceled) throw signal.reason;
    if (spawnCode === 'ENOENT' || spawnCode === 'EACCES') throw unavailableError(spawnCode, program, file, display);

    const failure = describeFailure(result, timeoutMs);
    const caseLabel = `case ${JSON.stringify(testCase.id)}: \`${display}\``;
    if (failure !== undefined) throw new CaseError(`${caseLabel} ${failure}${formatStderr(readStderrTail())}`);

    try {
      return withComputedCost(parseStdout(result.stdout), spec.pricing);
    } catch (error) {
      if (!(error instanceof CaseError)) throw error;
      throw new CaseError(`${caseLabel} ${error.message}${formatStderr(readStderrTail())}`);
    }
  }

  return { kind: 'exec', call };
}

const runningGroups = new Set<number>();

function killGroup(groupId: number): void {
  try {
    process.kill(-groupId, 'SIGKILL');
  } catch {
    // The group has already exited.
  }
}

/** Kills the process group of every exec case still running, for a forced exit. */
export function killRunningPrograms(): void {
  for (const groupId of runningGroups) killGroup(groupId);
  runningGroups.clear();
}

/** Returns the JSON value an exec program reads on stdin for one case. */
export function execInput(request: Pick<TargetRequest, 'case' | 'config'>): { id: string; vars: Record<string, unknown>; config: Record<string, unknown> } {
  return { id: request.case.id, vars: request.case.vars, config: request.config };
}

// A bare name ("node", "python3") is looked up on PATH; a relative path such as
// "app/run.sh" is relative to the project, not to wherever proofgate runs.
function resolveProgram(program: string, baseDir: string): string {
  const isPath = program.includes('/') || program.includes(path.sep);
  return isPath ? path.resolve(baseDir, program) : program;
}

// Keeps only the end of stderr, so a chatty program neither grows memory nor
// hits a buffer limit that would kill it.
function collectTail(stream: Readable): () => string {
  let tail = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    tail += chunk;
    if (tail.length > 2 * STDERR_KEEP_CHARS) tail = tail.slice(-STDERR_KEEP_CHARS);
  });

  return () => tail;
}

function formatStderr(stderr: string): string {
  const lines = stderr.trimEnd().split('\n').slice(-STDERR_TAIL_LINES);
  let tail = lines.join('\n');
  if (tail.trim() === '') return '\nstderr was empty';

  if (tail.length > STDERR_TAIL_CHARS) tail = `…${tail.slice(-STDERR_TAIL_CHARS)}`;
  return `\nend of stderr:\n${tail}`;
}

/** Returns why the run failed as a phrase that follows the command, or undefined when it succeeded. */
function describeFailure(result: RunOutcome, timeoutMs: number): string | undefined {
  if (result.timedOut) return `timed out after ${timeoutMs} ms`;
  if (result.isMaxBuffer) return `printed more than ${STDOUT_MAX_BYTES / (1024 * 1024)} MiB on stdout`;
  if (result.signal !== undefined) return `was killed by ${result.signal}`;
  if (result.exitCode !== undefined && result.exitCode !== 0) return `exited with code ${result.exitCode}`;
  if (result.failed) return `failed: ${result.originalMessage ?? result.shortMessage ?? 'unknown error'}`;
  return undefined;
}

function unavailableError(
  code: 'ENOENT' | 'EACCES',
  program: string,
  file: string,
  display: string,
): TargetUnavailableError {
  const subject = file === program ? `${JSON.stringify(program)} is installed and on PATH` : `${file} exists`;
  const advice =
    code === 'ENOENT'
      ? `command not found (ENOENT). Check that ${subject}.`
      : `permission denied (EACCES). Check that ${subject} and is an executable file (chmod +x).`;
  return new TargetUnavailableError(`cannot run \`${display}\`: ${advice}`);
}

/**
 * Reads the program's stdout. Invalid UTF-8 and blank output are errors. A JSON
 * object with an `output` key is a structured result. Any other text, including
 * JSON without `output`, is the output itself: pipelines that return a
 * JSON document are common, and a JSON scorer can still parse that text.
 */
function parseStdout(stdout: Uint8Array): TargetResult {
  const text = decodeUtf8(stdout);
  if (text.trim() === '') {
    throw new CaseError(stdout.length === 0 ? 'printed nothing on stdout' : 'printed only whitespace on stdout');
  }

  const structured = parseStructured(text);
  if (structured !== undefined) return structured;

  return { output: text.replace(/\r?\n$/, '') };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CaseError('printed stdout that is not valid UTF-8');
  }
}

function parseStructured(text: string): TargetResult | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;

  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }

  if (!isPlainObject(value) || !Object.hasOwn(value, 'output')) return undefined;
  return readStructured(value);
}

// Null is accepted as "not reported" for the optional fields, because JSON
// encoders in several languages write an unset field as null.
function readStructured(value: Record<string, unknown>): TargetResult {
  const result: TargetResult = { output: value.output };

  if (value.usage !== undefined && value.usage !== null) result.usage = readUsage(value.usage);

  if (value.cost_usd !== undefined && value.cost_usd !== null) {
    result.cost_usd = readNonNegative(value.cost_usd, 'cost_usd');
  }

  if (value.metadata !== undefined && value.metadata !== null) {
    if (!isPlainObject(value.metadata)) throw invalidField('metadata', 'an object', value.metadata);
    result.metadata = value.metadata;
  }

  return result;
}

function readUsage(value: unknown): Usage {
  if (!isPlainObject(value)) throw invalidField('usage', 'an object', value);

  const usage: Usage = {};
  for (const key of ['input_tokens', 'output_tokens'] as const) {
    const count = value[key];
    if (count !== undefined && count !== null) usage[key] = readNonNegative(count, `usage.${key}`);
  }

  return usage;
}

// An integer beyond 2^53 cannot be signed exactly, so it is rejected with the case.
function readNonNegative(value: unknown, field: string): number {
  const exact = typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value));
  if (exact && (value as number) >= 0) return value as number;
  throw invalidField(field, 'a non-negative number below 2^53', value);
}

function invalidField(field: string, expected: string, value: unknown): CaseError {
  const valueText = JSON.stringify(value).slice(0, INVALID_VALUE_MAX_CHARS);
  return new CaseError(`printed JSON with an invalid ${field}: expected ${expected}, got ${valueText}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
