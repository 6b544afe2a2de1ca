import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { canonicalBytes, sha256Hex } from '../bundle/jcs.js';
import type { LoadedPipeline } from '../config/pipeline.js';
import { ProofgateError } from '../errors.js';
import { execInput, type ExecTargetSpec } from '../targets/exec.js';
import { targetKind } from '../targets/index.js';
import { createOpenAIRequestBuilder, type OpenAITargetSpec } from '../targets/openai.js';
import type { TargetRequest } from '../targets/target.js';

/** Returns, for one case, every value that shapes the target's response. */
export type KeyParts = (request: TargetRequest) => unknown;

/** The parts of a loaded pipeline that decide its cache keys. */
export type KeyedPipeline = Pick<LoadedPipeline, 'target' | 'version' | 'root' | 'baseDir' | 'fileTexts'>;

/** Returns the cache key of a case: the sha256 hex of the JCS bytes of its key parts. */
export function cacheKey(parts: unknown): string {
  return sha256Hex(canonicalBytes(parts));
}

/**
 * Returns the key parts of the pipeline's target, or undefined for a replay
 * target, whose outputs are recordings already. A model target is keyed by
 * its URL, model, parameters and rendered messages. An exec target is keyed by
 * its argv, its `env:` block, the stdin JSON, the pipeline version and the
 * bytes of the project files named in argv, because the version covers only
 * the files that pipeline.yaml lists. Pricing is part of both keys, since a
 * cached result keeps the cost computed when it was stored.
 */
export function targetKeyParts(pipeline: KeyedPipeline): KeyParts | undefined {
  const kind = targetKind(pipeline.target);
  if (kind === 'openai') return openAIKeyParts((pipeline.target as { openai: OpenAITargetSpec }).openai, pipeline);
  if (kind === 'exec') return execKeyParts((pipeline.target as { exec: ExecTargetSpec }).exec, pipeline);
  return undefined;
}

function openAIKeyParts(spec: OpenAITargetSpec, pipeline: KeyedPipeline): KeyParts {
  const buildRequest = createOpenAIRequestBuilder(spec, { readFile: (reference) => fileText(pipeline, reference) });

  return (request) => {
    const { url, body } = buildRequest(request.case.vars);
    return { kind: 'openai', url, body, pricing: spec.pricing ?? null };
  };
}

function execKeyParts(spec: ExecTargetSpec, pipeline: KeyedPipeline): KeyParts {
  const fixed = {
    kind: 'exec',
    command: spec.command,
    env: spec.env ?? {},
    pricing: spec.pricing ?? null,
    version: pipeline.version,
    files: argumentFileDigests(spec.command, pipeline),
  };

  return (request) => ({ ...fixed, stdin: execInput(request) });
}

/**
 * Hashes each argv entry that names a regular file inside the project, such
 * as the script in `[node, app/answer.js]`, keyed by its project path.
 * NOTE: files the program imports or reads are covered only when pipeline.yaml
 * lists them under materials: (or as file: references).
 */
function argumentFileDigests(command: readonly string[], pipeline: KeyedPipeline): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const argument of command) {
    const absolute = path.resolve(pipeline.baseDir, argument);
    const relative = path.relative(pipeline.root, absolute);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) continue;
    if (!isFile(absolute)) continue;

    digests[relative.split(path.sep).join('/')] = sha256Hex(readFileSync(absolute));
  }

  return digests;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function fileText(pipeline: KeyedPipeline, reference: string): string {
  const text = pipeline.fileTexts.get(reference);
  if (text === undefined) throw new ProofgateError('CONFIG_INVALID', `file reference ${reference} was not loaded`);
  return text;
}
