import type { ChalkInstance } from 'chalk';
import type { GateResult } from '../gates/evaluate.js';
import type { RunSummary } from './summary.js';

/** Renders the run report for people: metrics with their gates, the worst failures, the verdict and the bundle. */
export function renderRunReport(summary: RunSummary, style: ChalkInstance): string {
  const lines: string[] = [];
  const { cases } = summary;
  lines.push('');
  lines.push(`${style.bold(summary.pipeline)}  version ${summary.version.slice(0, 12)}  ${cases.total} cases: ${cases.passed} passed, ${cases.failed} failed${cases.errors ? `, ${cases.errors} errored` : ''}`);
  lines.push('');
  lines.push(...metricTable(summary, style));

  lines.push(...baselineSection(summary, style));

  if (summary.worst.length > 0) {
    lines.push('');
    lines.push(style.bold('Worst failing cases'));
    for (const failure of summary.worst) {
      const expected = failure.expected === undefined ? '' : `  expected ${JSON.stringify(failure.expected)}`;
      const output = failure.output === '' ? '' : `  output ${JSON.stringify(failure.output)}`;
      lines.push(`  ${style.cyan(failure.id)}${expected}${output}`);
      lines.push(`    ${style.dim(failure.reason)}`);
    }
  }

  lines.push('');
  const failed = summary.gates.filter((gate) => !gate.passed);
  const verdict = summary.verdict === 'pass'
    ? style.green.bold('PASS') + `  all ${summary.gates.length} gates passed`
    : style.red.bold('FAIL') + `  ${failed.length} of ${summary.gates.length} gates failed: ${failed.map((gate) => gate.source).join('; ')}`;
  lines.push(verdict);
  const signature = summary.signed ? `signed by ${summary.keyid}` : style.yellow('unsigned');
  lines.push(`bundle ${summary.bundle} (${signature})`);
  lines.push('');
  return lines.join('\n');
}

function metricTable(summary: RunSummary, style: ChalkInstance): string[] {
  const gatesByMetric = new Map<string, GateResult[]>();
  for (const gate of summary.gates) gatesByMetric.set(gate.metric, [...(gatesByMetric.get(gate.metric) ?? []), gate]);

  const rows = Object.entries(summary.metrics).map(([name, metric]) => {
    const gates = gatesByMetric.get(name) ?? [];
    const gateText = gates.map((gate) => `${gate.op} ${gate.threshold}`).join(', ');
    const mark = gates.length === 0 ? '' : gates.every((gate) => gate.passed) ? style.green('✓ pass') : style.red('✗ fail');
    const compared = summary.baseline?.metrics[name];
    const deltaCells = summary.baseline ? [formatNumber(compared?.baseline ?? null), formatDelta(compared?.delta ?? null)] : [];
    return [name, formatNumber(metric.value), ...deltaCells, gateText, mark, gates.find((gate) => !gate.passed)?.reason ?? ''];
  });

  const header = ['metric', 'value', ...(summary.baseline ? ['baseline', 'delta'] : []), 'gate', '', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => visibleLength(row[column] ?? ''))));
  const format = (row: string[]) =>
    `  ${row.map((cell, column) => cell + ' '.repeat(Math.max(0, (widths[column] ?? 0) - visibleLength(cell)))).join('  ')}`.trimEnd();
  return [style.dim(format(header)), ...rows.map(format)];
}

/** Lists the cases whose outcome changed since the baseline, and the cases only one run had. */
function baselineSection(summary: RunSummary, style: ChalkInstance): string[] {
  const { baseline } = summary;
  if (!baseline) return [];

  const { cases } = baseline;
  const version = baseline.bundle.version ? ` (version ${baseline.bundle.version.slice(0, 12)})` : '';
  const lines = ['', style.bold(`Compared with ${baseline.bundle.path}${version}`)];
  lines.push(`  ${cases.counts.flippedToFail} passed before and fail now, ${cases.counts.flippedToPass} failed before and pass now, ${cases.unchanged} unchanged`);
  if (cases.counts.added + cases.counts.removed > 0) lines.push(`  ${cases.counts.added} cases are new, ${cases.counts.removed} are gone`);
  if (cases.flippedToFail.length > 0) lines.push(`  ${style.red('now failing')}: ${listIds(cases.flippedToFail, cases.counts.flippedToFail)}`);
  if (cases.flippedToPass.length > 0) lines.push(`  ${style.green('now passing')}: ${listIds(cases.flippedToPass, cases.counts.flippedToPass)}`);
  return lines;
}

const LISTED_IDS = 10;

function listIds(ids: string[], total: number): string {
  const shown = ids.slice(0, LISTED_IDS).join(', ');
  return total > LISTED_IDS ? `${shown} and ${total - LISTED_IDS} more` : shown;
}

function formatDelta(delta: number | null): string {
  if (delta === null) return '';
  if (delta === 0) return '0';
  return `${delta > 0 ? '+' : ''}${formatNumber(delta)}`;
}

function formatNumber(value: number | null): string {
  if (value === null) return 'no value';
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1000 ? value.toFixed(1) : String(Number(value.toPrecision(4)));
}

function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
