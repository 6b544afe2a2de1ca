// Compares the files two bundles recorded, by path and sha256.

/** A recorded file: its project path and sha256. */
export interface RecordedFile {
  path: string;
  sha256: string;
}

export interface MaterialChanges {
  changed: Array<{ path: string; before: string; after: string }>;
  added: RecordedFile[];
  removed: RecordedFile[];
  unchanged: number;
}

/** Lists files whose sha256 changed, and files recorded by only one side, each sorted by path. */
export function diffMaterials(before: readonly RecordedFile[], after: readonly RecordedFile[]): MaterialChanges {
  const beforeByPath = new Map(before.map((file) => [file.path, file.sha256]));
  const afterPaths = new Set(after.map((file) => file.path));
  const changes: MaterialChanges = { changed: [], added: [], removed: [], unchanged: 0 };

  for (const file of after) {
    const previous = beforeByPath.get(file.path);

    if (previous === undefined) changes.added.push(file);
    else if (previous !== file.sha256) changes.changed.push({ path: file.path, before: previous, after: file.sha256 });
    else changes.unchanged += 1;
  }

  changes.removed = before.filter((file) => !afterPaths.has(file.path));

  for (const list of [changes.changed, changes.added, changes.removed]) list.sort((left, right) => comparePaths(left.path, right.path));

  return changes;
}

/** Reads `[{path, sha256}]` from untrusted JSON, skipping malformed entries. */
export function recordedFiles(value: unknown): RecordedFile[] {
  if (!Array.isArray(value)) return [];

  return value.filter(
    (item): item is RecordedFile => typeof item === 'object' && item !== null && typeof item.path === 'string' && typeof item.sha256 === 'string',
  ).map((item) => ({ path: item.path, sha256: item.sha256 }));
}

function comparePaths(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}
