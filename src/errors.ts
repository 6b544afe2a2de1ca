// Exit codes are part of the CLI contract and documented in the README.
export const EXIT = {
  ok: 0,
  gateFailed: 1,
  invalidInput: 2,
  incomplete: 3,
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

// Failure families a user can cause. The CLI boundary maps each to an exit
// code; callers and tests branch on `code`, never on message text.
export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'DATASET_INVALID'
  | 'DATASET_EMPTY'
  | 'FILE_OUTSIDE_ROOT'
  | 'KEY_INVALID'
  | 'KEY_MISSING'
  | 'SIGNATURE_REQUIRED'
  | 'UNSAFE_NUMBER'
  | 'TARGET_UNAVAILABLE'
  | 'INTERRUPTED'
  | 'BUNDLE_INVALID'
  | 'BUNDLE_EXISTS'
  | 'TRUST_INVALID'
  | 'GIT_FAILED'
  | 'WORKTREE_DIRTY'
  | 'OUTPUT_UNWRITABLE'
  | 'VERIFY_FAILED';

const EXIT_BY_CODE: Record<ErrorCode, ExitCode> = {
  USAGE: EXIT.invalidInput,
  CONFIG_NOT_FOUND: EXIT.invalidInput,
  CONFIG_INVALID: EXIT.invalidInput,
  DATASET_INVALID: EXIT.invalidInput,
  DATASET_EMPTY: EXIT.invalidInput,
  FILE_OUTSIDE_ROOT: EXIT.invalidInput,
  KEY_INVALID: EXIT.invalidInput,
  KEY_MISSING: EXIT.invalidInput,
  SIGNATURE_REQUIRED: EXIT.invalidInput,
  UNSAFE_NUMBER: EXIT.incomplete,
  TARGET_UNAVAILABLE: EXIT.incomplete,
  INTERRUPTED: EXIT.incomplete,
  BUNDLE_INVALID: EXIT.invalidInput,
  BUNDLE_EXISTS: EXIT.incomplete,
  TRUST_INVALID: EXIT.invalidInput,
  GIT_FAILED: EXIT.incomplete,
  WORKTREE_DIRTY: EXIT.invalidInput,
  OUTPUT_UNWRITABLE: EXIT.invalidInput,
  VERIFY_FAILED: EXIT.gateFailed,
};

/**
 * An error the user can act on. `details` contains one line per problem when a
 * check collected several (every schema violation, say) before failing.
 */
export class ProofgateError extends Error {
  override readonly name = 'ProofgateError';
  readonly code: ErrorCode;
  readonly details: readonly string[];
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown; exitCode?: ExitCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? EXIT_BY_CODE[code];
  }
}

export function isProofgateError(error: unknown): error is ProofgateError {
  return error instanceof ProofgateError;
}
