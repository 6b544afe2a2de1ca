// Renders a BundleDiff as GitHub-flavoured Markdown, for a terminal, a pull
// request comment or a CI job summary.

import { formatDelta, formatMetric, shortCommit, shortDigest } from '../history/format.js';
import { inlineCode, markdownTable, plainText } from '../history/markdown.js';
import type { ConfigChange } from './config.js';
import type { BundleDiff } from './diff.js';

/** Ids shown per case list; the rest are counted. */
const CASES_SHOWN = 50;

// Longer config values are cut, because a whole prompt on one line is unreadable.
const VALUE_WIDTH = 80;

/** Renders the whole diff; every section appears, saying "no changes" when empty. */
export function renderDiffMarkdown(diff: BundleDiff): string {
  const title = `# proofgate diff: ${plainText(diff.to.pipeline ?? diff.from.pipeline ?? 'unknown pipeline')}`;
  const sections = [[title], sidesTable(diff), configSection(diff.config), materialsSection(diff), datasetSection(diff), metricsSection(diff), gatesSection(diff), casesSection(diff)];

  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

function sidesTable(diff: BundleDiff): string[] {
  const row = (label: string, pick: (side: BundleDiff['from']) => string) => [label, pick(diff.from), pick(diff.to)];

  return markdownTable(
    ['', 'from', 'to'],
    [
      row('bundle', (side) => inlineCode(side.path)),
      row('version', (side) => inlineCode(shortDigest(side.version))),
      row('verdict', (side) => side.verdict ?? '-'),
      row('finished', (side) => side.finishedAt ?? '-'),
      row('commit', (side) => inlineCode(shortCommit(side.commit))),
    ],
  );
}

function configSection(changes: ConfigChange[]): string[] {
  const lines = ['## Config'];
  if (changes.length === 0) return [...lines, '', 'No config changes.'];

  lines.push('');
  for (const change of changes) lines.push(`- ${inlineCode(change.path)}: ${describeChange(change)}`);
  return lines;
}

function describeChange(change: ConfigChange): string {
  if (change.kind === 'added') return `added ${inlineCode(shortValue(change.after))}`;
  if (change.kind === 'removed') return `removed (was ${inlineCode(shortValue(change.before))})`;
  return `${inlineCode(shortValue(change.before))} → ${inlineCode(shortValue(change.after))}`;
}

function materialsSection(diff: BundleDiff): string[] {
  const { changed, added, removed, unchanged } = diff.materials;
  const lines = ['## Files'];
  if (changed.length + added.length + removed.length === 0) return [...lines, '', `No file changed (${unchanged} recorded).`];

  const rows = [
    ...changed.map((file) => [inlineCode(file.path), 'changed', `${shortDigest(file.before)} → ${shortDigest(file.after)}`]),
    ...added.map((file) => [inlineCode(file.path), 'added', shortDigest(file.sha256)]),
    ...removed.map((file) => [inlineCode(file.path), 'removed', shortDigest(file.sha256)]),
  ];

  return [...lines, '', ...markdownTable(['file', 'change', 'sha256'], rows), '', `${unchanged} unchanged.`];
}

function datasetSection(diff: BundleDiff): string[] {
  const { before, after, changed } = diff.dataset;
  const describe = (side: typeof before) => `${inlineCode(side.path ?? '-')} (sha256 ${shortDigest(side.sha256)}, ${side.cases ?? '?'} cases)`;

  if (!changed) return ['## Dataset', '', `Unchanged: ${describe(after)}.`];
  return ['## Dataset', '', `- from ${describe(before)}`, `- to ${describe(after)}`];
}

function metricsSection(diff: BundleDiff): string[] {
  const rows = Object.entries(diff.metrics).map(([name, metric]) => [
    inlineCode(name),
    formatMetric(metric.baseline),
    formatMetric(metric.value),
    formatDelta(metric.delta),
  ]);

  if (rows.length === 0) return ['## Metrics', '', 'No metrics recorded.'];
  return ['## Metrics', '', ...markdownTable(['metric', 'from', 'to', 'delta'], rows)];
}

function gatesSection(diff: BundleDiff): string[] {
  if (diff.gates.length === 0) return ['## Gates', '', 'No gate changed its outcome.'];

  const rows = diff.gates.map((gate) => [inlineCode(gate.source), gateOutcome(gate.before), gateOutcome(gate.after)]);
  return ['## Gates', '', ...markdownTable(['gate', 'from', 'to'], rows)];
}

function gateOutcome(passed: boolean | null): string {
  if (passed === null) return 'absent';
  return passed ? 'pass' : 'fail';
}

function casesSection(diff: BundleDiff): string[] {
  const { cases } = diff;
  const summary =
    `${cases.counts.flippedToFail} pass → fail, ${cases.counts.flippedToPass} fail → pass, ` +
    `${cases.counts.added} added, ${cases.counts.removed} removed, ${cases.unchanged} unchanged.`;
  const lines = ['## Cases', '', summary];

  const lists: Array<[string, string[], number]> = [
    ['pass → fail', cases.flippedToFail, cases.counts.flippedToFail],
    ['fail → pass', cases.flippedToPass, cases.counts.flippedToPass],
    ['added', cases.added, cases.counts.added],
    ['removed', cases.removed, cases.counts.removed],
  ];

  for (const [label, ids, total] of lists) {
    if (total === 0) continue;

    lines.push('', `### ${label}`, '');
    for (const id of ids.slice(0, CASES_SHOWN)) lines.push(`- ${inlineCode(id)}`);
    if (total > Math.min(ids.length, CASES_SHOWN)) lines.push(`- … and ${total - Math.min(ids.length, CASES_SHOWN)} more (\`--json\` lists them all)`);
  }

  return lines;
}

function shortValue(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}
