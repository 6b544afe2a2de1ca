import { EXIT, isProofgateError } from '../errors.js';

/** The CLI's output streams; people's output goes to stderr, so stdout is kept for --json data. */
export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * The one place that turns an error into output and an exit code. A user
 * error prints its message and details. Anything else is a bug: it prints a
 * request for a report, with the stack only when PROOFGATE_DEBUG is set.
 */
export function reportFailure(error: unknown, streams: Streams, env: NodeJS.ProcessEnv): number {
  if (isProofgateError(error)) {
    streams.stderr.write(`proofgate: error: ${error.message}\n`);
    for (const line of error.details) streams.stderr.write(`  ${line}\n`);
    return error.exitCode;
  }

  const message = error instanceof Error ? error.message : String(error);
  streams.stderr.write(`proofgate: internal error: ${message}\n`);
  streams.stderr.write('This is a bug in proofgate. Please report it with the command you ran and the output above.\n');
  if (env.PROOFGATE_DEBUG && error instanceof Error && error.stack) streams.stderr.write(`${error.stack}\n`);
  return EXIT.internal;
}

/** Builds the `--json` document of a failure: its exit code, error code, message and details. */
export function failureDocument(error: unknown, exitCode: number): { exitCode: number; error: { code: string; message: string; details: readonly string[] } } {
  if (isProofgateError(error)) return { exitCode, error: { code: error.code, message: error.message, details: error.details } };
  return { exitCode, error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), details: [] } };
}

/** Sets the exit code without exiting, keeping a code an earlier step already set. */
export function setExitCode(code: number): void {
  if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = code;
}
