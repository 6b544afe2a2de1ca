import type { Case } from '../dataset/types.js';

export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
}

/** The output of the pipeline under test for one case, with its usage and cost. */
export interface TargetResult {
  /** A string for text outputs; any JSON value the pipeline returned otherwise; null when the recorded output is null. */
  output: unknown;
  usage?: Usage;
  cost_usd?: number;
  metadata?: Record<string, unknown>;
}

export interface TargetRequest {
  case: Case;
  /** The pipeline's `config:` block with `file:` values replaced by the files' text. */
  config: Record<string, unknown>;
  /** Aborted when the run is interrupted; targets stop work and reject promptly. */
  signal: AbortSignal;
}

/** The pipeline under test, called once per case. */
export interface Target {
  readonly kind: string;
  call(request: TargetRequest): Promise<TargetResult>;
  close?(): Promise<void>;
}

/**
 * This case failed (bad output, non-zero exit, timeout, a 4xx for this input).
 * The run goes on and the case counts as a failure in every scorer.
 */
export class CaseError extends Error {
  override readonly name = 'CaseError';
}

/**
 * The target cannot serve any case (connection refused or 5xx after every
 * retry, rejected credentials). The run stops with exit 3 and writes no bundle.
 */
export class TargetUnavailableError extends Error {
  override readonly name = 'TargetUnavailableError';
}
