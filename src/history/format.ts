// Short forms of bundle values for people: digests, numbers and times.

/** Shortens a digest to its first 12 hex digits, as bundle file names do; `-` for none. */
export function shortDigest(digest: string | null | undefined): string {
  return typeof digest === 'string' && digest !== '' ? digest.replace(/^sha256:/, '').slice(0, 12) : '-';
}

/** Shortens a commit to 7 hex digits, git's default abbreviation; `-` for none. */
export function shortCommit(commit: string | null | undefined): string {
  return typeof commit === 'string' && commit !== '' ? commit.slice(0, 7) : '-';
}

/** Formats a metric value with at most 6 significant digits; `-` for none. */
export function formatMetric(value: number | null | undefined): string {
  if (typeof value !== 'number') return '-';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** Formats a delta with its sign, such as `+0.05` or `-12`, and zero as `0`; `-` for none. */
export function formatDelta(delta: number | null | undefined): string {
  if (typeof delta !== 'number') return '-';
  if (delta === 0) return '0';
  return `${delta > 0 ? '+' : ''}${formatMetric(delta)}`;
}
