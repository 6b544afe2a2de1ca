// The registry of target kinds: one pipeline.yaml `target:` block in, one
// Target out. A new kind is one module plus one branch here and one schema entry.

import { ProofgateError } from '../errors.js';
import { createExecTarget, type ExecTargetSpec } from './exec.js';
import { createOpenAITarget, type OpenAITargetSpec } from './openai.js';
import { createReplayTarget, type ReplayTargetSpec } from './replay.js';
import type { Target } from './target.js';

/** The `target:` block of pipeline.yaml after schema validation: exactly one kind. */
export type TargetSpec = { exec: ExecTargetSpec } | { openai: OpenAITargetSpec } | { replay: ReplayTargetSpec };

export type TargetKind = 'exec' | 'openai' | 'replay';

/** Project services and settings that a target receives from the run. */
export interface TargetContext {
  /** Project directory: the working directory of exec programs and the base of their relative paths. */
  baseDir: string;
  /** Environment that exec programs inherit and API keys are read from. */
  env: NodeJS.ProcessEnv;
  /** Returns the text of a `file:` reference that the config loader already checked and read. */
  readFile(reference: string): string;
  /** Returns the absolute path of a project-relative path, already checked to be inside the project. */
  resolvePath(relative: string): string;
  /** Called before each retry of an HTTP request, for progress and logs. */
  onRetry?: (event: { caseId: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** Returns which kind of target a spec describes. */
export function targetKind(spec: TargetSpec): TargetKind {
  const kinds = (['exec', 'openai', 'replay'] as const).filter((kind) => Object.hasOwn(spec, kind));
  const [kind] = kinds;
  if (kinds.length === 1 && kind !== undefined) return kind;

  throw new ProofgateError(
    'CONFIG_INVALID',
    `target needs exactly one of exec, openai or replay, but has ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`,
  );
}

/** Creates the target a spec describes; replay targets read their recordings file here. */
export async function createTarget(spec: TargetSpec, context: TargetContext): Promise<Target> {
  const kind = targetKind(spec);
  if (kind === 'exec') return createExecTarget((spec as { exec: ExecTargetSpec }).exec, context);
  if (kind === 'openai') return createOpenAITarget((spec as { openai: OpenAITargetSpec }).openai, context);
  return createReplayTarget((spec as { replay: ReplayTargetSpec }).replay, context);
}
