import { readFileSync } from 'node:fs';
import path from 'node:path';

import { ProofgateError } from '../errors.js';
import { APPROVAL_METHODS, type ApprovalMethod } from './statement.js';

/** The approval rules of a pipeline, from the `approval:` block of pipeline.yaml. */
export interface ApprovalPolicy {
  /** Approvals from distinct principals and keys that a bundle needs; 0 needs none. */
  required: number;
  /** Absolute path of the allowed_signers file. */
  trust: string;
  /** YAML paths such as `config.prompt`; when set, only changes there (or to `approval`) need approval. */
  whenChanged: string[];
  accept: ApprovalMethod[];
  /** False for the defaults of a pipeline without an `approval:` block. */
  declared: boolean;
}

/** Path of the trust file, relative to the project root, when neither pipeline.yaml nor a flag names one. */
export const DEFAULT_TRUST_FILE = '.proofgate/allowed_signers';

/** Returns the policy `verify --require-approval` applies to a pipeline without an `approval:` block. */
export function defaultApprovalPolicy(root: string): ApprovalPolicy {
  return { required: 1, trust: path.join(root, DEFAULT_TRUST_FILE), whenChanged: [], accept: ['signature'], declared: false };
}

/**
 * Reads an `approval:` block. An explicit `trust:` path resolves from the
 * pipeline file's folder, like every other path in pipeline.yaml; the default
 * is `.proofgate/allowed_signers` at the project root. The schema checks the
 * working tree's file; a block read from a git ref is checked here. Throws
 * ProofgateError('CONFIG_INVALID'), naming `source` when given (the loader
 * adds the file and line itself).
 */
export function parseApprovalPolicy(raw: unknown, where: { root: string; baseDir: string; source?: string }): ApprovalPolicy {
  const fail = (problem: string) =>
    new ProofgateError('CONFIG_INVALID', where.source === undefined ? problem : `${where.source}: approval: ${problem}`);

  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fail('must be a mapping such as { required: 1, trust: .proofgate/allowed_signers }');
  }

  const block = raw as Record<string, unknown>;
  const required = block.required ?? 1;

  if (typeof required !== 'number' || !Number.isSafeInteger(required) || required < 0) {
    throw fail(`required must be a whole number of at least 0; got ${JSON.stringify(required)}`);
  }

  return {
    required,
    trust: readTrustPath(block.trust, where, fail),
    whenChanged: readWhenChanged(block.when_changed, fail),
    accept: readAccept(block.accept, fail),
    declared: true,
  };
}

/**
 * Splits a YAML path such as `target.openai.messages[0].content` into keys.
 * Indexes stay strings; lookups treat a numeric key on an array as an index.
 */
export function parseValuePath(text: string): string[] {
  return text
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '');
}

type Fail = (problem: string) => ProofgateError;

function readTrustPath(value: unknown, where: { root: string; baseDir: string }, fail: Fail): string {
  if (value === undefined) {
    return path.join(where.root, DEFAULT_TRUST_FILE);
  }

  if (typeof value !== 'string' || value === '') {
    throw fail('trust must be the path of an allowed_signers file');
  }

  return path.resolve(where.baseDir, value);
}

function readWhenChanged(value: unknown, fail: Fail): string[] {
  if (value === undefined) {
    return [];
  }

  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw fail('when_changed must be a list of YAML paths such as "config.prompt"');
  }

  const known = pipelineKeys();

  for (const item of value as string[]) {
    const [first = ''] = parseValuePath(item);

    // A misspelt path would never match a change, silently dropping the need for approval.
    if (!known.includes(first)) {
      throw fail(`when_changed entry "${item}" does not start with a pipeline.yaml key; use one of ${known.join(', ')}`);
    }
  }

  return [...(value as string[])];
}

function readAccept(value: unknown, fail: Fail): ApprovalMethod[] {
  if (value === undefined) {
    return ['signature'];
  }

  const valid = Array.isArray(value) && value.length > 0 && value.every((item) => APPROVAL_METHODS.includes(item as ApprovalMethod));

  if (!valid) {
    throw fail(`accept must be a non-empty list of ${APPROVAL_METHODS.join(', ')}`);
  }

  return [...new Set(value as ApprovalMethod[])];
}

let cachedKeys: string[] | undefined;

// The schema is the source of truth for which top-level keys exist.
function pipelineKeys(): string[] {
  if (cachedKeys === undefined) {
    const schema = JSON.parse(readFileSync(new URL('../../schemas/pipeline.schema.json', import.meta.url), 'utf8')) as {
      properties: Record<string, unknown>;
    };

    cachedKeys = Object.keys(schema.properties).filter((key) => key !== '$schema');
  }

  return cachedKeys;
}
