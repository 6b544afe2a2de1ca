import { findBaseline, type Baseline } from '../approval/baseline.js';
import { readGovernance } from '../approval/trust-source.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { isProofgateError } from '../errors.js';

export interface BaselineRequest {
  /** `auto` (default), `none`, a bundle path, or a version digest of at least 7 hex digits. */
  mode?: string;
  trustFile?: string;
  trustRef?: string;
  cwd: string;
  proofsDir?: string;
  /** Receives a sentence when `auto` finds no usable trust file and the pipeline has relative gates. */
  onNotice?: (message: string) => void;
}

/**
 * Finds the bundle a run is compared with, before any case runs, so that a
 * baseline named explicitly but failing, unsigned or unapproved stops the
 * command with exit 2 and nothing run. `auto` without a trust file means no
 * baseline: relative gates then fail with "no baseline", never pass.
 */
export async function resolveRunBaseline(pipeline: LoadedPipeline, request: BaselineRequest): Promise<Baseline | undefined> {
  const mode = request.mode ?? 'auto';
  if (mode === 'none') return undefined;

  let governance;
  try {
    governance = await readGovernance(pipeline, { trustFile: request.trustFile, ref: request.trustRef });
  } catch (error) {
    if (mode !== 'auto' || !isProofgateError(error) || error.code !== 'TRUST_INVALID') throw error;
    // Only relative gates depend on a baseline; without them the notice would be noise on every run.
    if (pipeline.gates.some((gate) => gate.relative !== undefined)) request.onNotice?.(`no baseline: ${error.message}`);
    return undefined;
  }

  return findBaseline(pipeline, {
    mode,
    trust: governance.trust.entries,
    cwd: request.cwd,
    proofsDir: request.proofsDir,
    policy: governance.policy,
  });
}
