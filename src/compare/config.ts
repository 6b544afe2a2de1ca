// Walks two canonical pipeline configs (pipeline.yaml as JSON) and lists
// every value that differs, by YAML path.

/** One difference between two configs. `before` is absent when added, `after` when removed. */
export interface ConfigChange {
  /** Path such as `scorers[1].threshold` or `metrics["f1-score"]`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Lists the differences between two JSON values, depth first, with object
 * keys in sorted order. Arrays are compared by position, so an item inserted
 * at the front shows as a change of every later item.
 */
export function diffConfig(before: unknown, after: unknown): ConfigChange[] {
  const changes: ConfigChange[] = [];
  walk(before, after, '', changes);
  return changes;
}

/** Formats a path step: `.key`, `["odd key"]` or `[3]`. */
export function appendPathStep(path: string, step: string | number): string {
  if (typeof step === 'number') return `${path}[${step}]`;
  if (!BARE_KEY.test(step)) return `${path}[${JSON.stringify(step)}]`;
  return path === '' ? step : `${path}.${step}`;
}

function walk(before: unknown, after: unknown, path: string, changes: ConfigChange[]): void {
  if (isRecord(before) && isRecord(after)) {
    walkObjects(before, after, path, changes);
    return;
  }

  if (Array.isArray(before) && Array.isArray(after)) {
    walkArrays(before, after, path, changes);
    return;
  }

  if (!sameJson(before, after)) changes.push({ path: path === '' ? '(root)' : path, kind: 'changed', before, after });
}

function walkObjects(before: Record<string, unknown>, after: Record<string, unknown>, path: string, changes: ConfigChange[]): void {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();

  for (const key of keys) {
    const childPath = appendPathStep(path, key);
    const inBefore = Object.hasOwn(before, key);
    const inAfter = Object.hasOwn(after, key);

    if (!inBefore) changes.push({ path: childPath, kind: 'added', after: after[key] });
    else if (!inAfter) changes.push({ path: childPath, kind: 'removed', before: before[key] });
    else walk(before[key], after[key], childPath, changes);
  }
}

function walkArrays(before: unknown[], after: unknown[], path: string, changes: ConfigChange[]): void {
  const length = Math.max(before.length, after.length);

  for (let index = 0; index < length; index++) {
    const childPath = appendPathStep(path, index);

    if (index >= before.length) changes.push({ path: childPath, kind: 'added', after: after[index] });
    else if (index >= after.length) changes.push({ path: childPath, kind: 'removed', before: before[index] });
    else walk(before[index], after[index], childPath, changes);
  }
}

// Scalars, and containers of different kinds (an object replaced by a list).
function sameJson(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  return JSON.stringify(left) === JSON.stringify(right);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
