import path from 'node:path';

import { canonicalJson } from '../bundle/jcs.js';
import { FILE_REFERENCE_PREFIX, isFileReference } from '../config/files.js';
import { parseValuePath } from './policy.js';

/** The parts of an evaluated version that `when_changed` compares. */
export interface ConfigSnapshot {
  /** pipeline.yaml as JSON, as a bundle records it in `pipeline.config`. */
  config: Record<string, unknown>;
  /** Project path of pipeline.yaml; `file:` references resolve from its folder. */
  pipelinePath: string;
  materials: ReadonlyArray<{ path: string; sha256: string }>;
}

// A change to the approval rules themselves always needs a reviewer, so that
// a branch cannot drop a path from when_changed and then change that path.
const ALWAYS_WATCHED = ['approval'];

const REPLAY_PATH = ['target', 'replay', 'path'];

/**
 * Compares two versions at the watched YAML paths and returns one line per
 * path that differs: its value, or the bytes of a file it refers to (a
 * `file:` value, `target.replay.path`, or for `materials` every file the
 * globs matched). An empty list means only unwatched paths changed.
 */
export function findWatchedChanges(paths: readonly string[], current: ConfigSnapshot, baseline: ConfigSnapshot): string[] {
  const changes: string[] = [];

  for (const text of new Set([...ALWAYS_WATCHED, ...paths])) {
    const segments = parseValuePath(text);

    if (!sameValue(lookupValue(current.config, segments), lookupValue(baseline.config, segments))) {
      changes.push(`${text} changed`);
      continue;
    }

    const files = new Set([...filesUnder(current, segments), ...filesUnder(baseline, segments)]);
    const changedFiles = [...files].filter((file) => digestOf(current, file) !== digestOf(baseline, file)).sort();

    if (changedFiles.length > 0) {
      changes.push(`${text}: ${changedFiles.join(', ')} changed`);
    }
  }

  return changes;
}

/** Returns the value at `segments`, treating a numeric key on an array as an index. */
export function lookupValue(value: unknown, segments: readonly string[]): unknown {
  let current = value;

  for (const segment of segments) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null && !Array.isArray(current) && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }

  return current;
}

function sameValue(left: unknown, right: unknown): boolean {
  if (left === undefined || right === undefined) {
    return left === right;
  }

  try {
    return canonicalJson(left) === canonicalJson(right);
  } catch {
    return false;
  }
}

function filesUnder(snapshot: ConfigSnapshot, segments: readonly string[]): string[] {
  const files = collectFileReferences(lookupValue(snapshot.config, segments)).map((reference) => resolveReference(snapshot, reference));
  const replay = replayPath(snapshot);

  if (replay !== undefined && isPrefix(segments, REPLAY_PATH)) {
    files.push(replay);
  }

  if (segments[0] === 'materials') {
    files.push(...globMaterials(snapshot));
  }

  return files;
}

// Materials that no `file:` value or replay path explains came from the
// `materials:` globs.
function globMaterials(snapshot: ConfigSnapshot): string[] {
  const explained = new Set(collectFileReferences(snapshot.config).map((reference) => resolveReference(snapshot, reference)));
  const replay = replayPath(snapshot);

  if (replay !== undefined) {
    explained.add(replay);
  }

  return snapshot.materials.map((material) => material.path).filter((file) => !explained.has(file));
}

function collectFileReferences(value: unknown): string[] {
  if (isFileReference(value)) {
    return [value.slice(FILE_REFERENCE_PREFIX.length).trim()];
  }

  if (Array.isArray(value)) {
    return value.flatMap(collectFileReferences);
  }

  if (typeof value === 'object' && value !== null) {
    return Object.values(value).flatMap(collectFileReferences);
  }

  return [];
}

function replayPath(snapshot: ConfigSnapshot): string | undefined {
  const value = lookupValue(snapshot.config, REPLAY_PATH);

  return typeof value === 'string' ? resolveReference(snapshot, value) : undefined;
}

function resolveReference(snapshot: ConfigSnapshot, relative: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(snapshot.pipelinePath), relative.replaceAll('\\', '/')));
}

function digestOf(snapshot: ConfigSnapshot, file: string): string | undefined {
  return snapshot.materials.find((material) => material.path === file)?.sha256;
}

function isPrefix(prefix: readonly string[], full: readonly string[]): boolean {
  return prefix.length <= full.length && prefix.every((segment, index) => segment === full[index]);
}
