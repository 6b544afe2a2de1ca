import type { GateResult } from '../gates/evaluate.js';
import type { RunSummary } from './summary.js';

/** Parts of the Markdown report besides the metric table. */
export interface MarkdownOptions {
  /** Include a Mermaid chart of each gated metric against its threshold. */
  chart: boolean;
  /** Link to the CI run, shown under the heading. */
  runUrl?: string;
  /** Put the failing cases and the chart inside collapsed `<details>` blocks (for comments). */
  collapse?: boolean;
}

/** A metric's value in the baseline run and the change since, when a baseline was compared. */
export interface BaselineDelta {
  baseline: number | null;
  delta: number | null;
}

const NO_VALUE = '—';

// Above this many charts the summary gets hard to scan; the table still lists every gate.
const MAX_CHARTS = 8;

/**
 * Renders a run as GitHub-flavoured Markdown: verdict heading, metric table
 * with gate marks and baseline deltas, an optional Mermaid chart, failed
 * gates, the worst failing cases and the bundle path. Text that comes from
 * the dataset or the model is escaped, so it cannot break the table, open an
 * HTML tag or mention a user.
 */
export function renderRunMarkdown(summary: RunSummary, options: MarkdownOptions): string {
  const blocks: string[] = [heading(summary, options.runUrl), metricTable(summary)];

  const failed = summary.gates.filter((gate) => !gate.passed);
  if (failed.length > 0) blocks.push(failedGates(failed));

  if (options.chart) {
    const charts = renderGateCharts(summary.gates);
    if (charts.length > 0) blocks.push(wrap('Gated metrics against their thresholds', charts.join('\n\n'), options.collapse === true));
  }

  if (summary.worst.length > 0) {
    const title = `Worst failing cases (${summary.worst.length} of ${summary.cases.failed})`;
    blocks.push(wrap(title, worstCases(summary), options.collapse === true));
  }

  blocks.push(bundleLine(summary));
  return `${blocks.join('\n\n')}\n`;
}

function heading(summary: RunSummary, runUrl: string | undefined): string {
  const { cases } = summary;
  const mark = summary.verdict === 'pass' ? '✅' : '❌';
  const verdict = summary.verdict === 'pass' ? 'passed' : 'failed';
  const errored = cases.errors > 0 ? `, ${cases.errors} errored` : '';
  const run = runUrl === undefined ? '' : ` · [CI run](${runUrl})`;

  return [
    `### ${mark} proofgate: ${escapeText(summary.pipeline)} ${verdict}`,
    '',
    `${cases.total} cases: ${cases.passed} passed, ${cases.failed} failed${errored} · version \`${summary.version.slice(0, 12)}\`${run}`,
  ].join('\n');
}

function metricTable(summary: RunSummary): string {
  const gatesByMetric = new Map<string, GateResult[]>();
  for (const gate of summary.gates) gatesByMetric.set(gate.metric, [...(gatesByMetric.get(gate.metric) ?? []), gate]);

  const rows = Object.entries(summary.metrics).map(([name, metric]) => {
    const gates = gatesByMetric.get(name) ?? [];
    const gateText = gates.map(describeGate).join(', ');
    const mark = gates.length === 0 ? '' : gates.every((gate) => gate.passed) ? '✅' : '❌';
    const baseline = readBaselineDelta(summary, name);
    const cells = [
      code(name),
      formatNumber(metric.value),
      gateText || NO_VALUE,
      baseline ? formatNumber(baseline.baseline) : NO_VALUE,
      baseline ? formatDelta(baseline.delta) : NO_VALUE,
      mark,
    ];
    return `| ${cells.join(' | ')} |`;
  });

  return ['| metric | value | gate | baseline | Δ | |', '| --- | ---: | --- | ---: | ---: | :---: |', ...rows].join('\n');
}

// A relative gate shows its offset from the baseline, and "baseline" alone when there was none.
function describeGate(gate: GateResult): string {
  const relative = gate.offset === undefined ? '' : `baseline ${gate.offset < 0 ? '−' : '+'} ${formatNumber(Math.abs(gate.offset))}`;
  if (gate.threshold === null) return `${escapeText(gate.op)} ${relative || NO_VALUE}`;

  const threshold = `${escapeText(gate.op)} ${formatNumber(gate.threshold)}`;
  return relative ? `${threshold} (${relative})` : threshold;
}

function failedGates(failed: GateResult[]): string {
  const lines = failed.map((gate) => `- ${code(gate.source)}: ${escapeText(gate.reason ?? 'failed')}`);
  return ['**Failed gates**', '', ...lines].join('\n');
}

function worstCases(summary: RunSummary): string {
  const rows = summary.worst.map((failure) => {
    const expected = failure.expected === undefined ? NO_VALUE : code(failure.expected);
    const output = failure.output === '' ? NO_VALUE : code(failure.output);
    return `| ${code(failure.id)} | ${escapeText(failure.reason)} | ${expected} | ${output} |`;
  });

  return ['| case | reason | expected | output |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function bundleLine(summary: RunSummary): string {
  const signature = summary.signed ? `signed by ${code(summary.keyid ?? '')}` : '**unsigned**';
  return `Bundle ${code(summary.bundle)} (${signature})`;
}

function wrap(title: string, body: string, collapse: boolean): string {
  if (!collapse) return `**${title}**\n\n${body}`;
  return `<details><summary>${title}</summary>\n\n${body}\n\n</details>`;
}

/**
 * Reads the baseline comparison for one metric. The fields are read by shape,
 * so a summary without a baseline renders "—" instead of failing.
 */
// NOTE: the baseline fields are read structurally (summary.baseline.metrics[name] or the gate's `baseline`)
// because RunSummary does not declare them yet; align this reader when it does.
export function readBaselineDelta(summary: RunSummary, metric: string): BaselineDelta | undefined {
  const value = summary.metrics[metric]?.value ?? null;
  const compared = (summary as { baseline?: { metrics?: Record<string, unknown> } | null }).baseline?.metrics?.[metric];
  if (isRecord(compared) && ('baseline' in compared || 'delta' in compared)) {
    const baseline = numberOrNull(compared.baseline);
    return { baseline, delta: numberOrNull(compared.delta) ?? difference(value, baseline) };
  }

  const gate = summary.gates.find((candidate) => candidate.metric === metric && 'baseline' in candidate);
  if (gate === undefined) return undefined;

  const baseline = numberOrNull((gate as GateResult & { baseline?: unknown }).baseline);
  const delta = numberOrNull((gate as GateResult & { delta?: unknown }).delta) ?? difference(value, baseline);
  return { baseline, delta };
}

/**
 * Renders one Mermaid `xychart-beta` block per scale: gates whose value and
 * threshold both lie in [0, 1] share one chart, and every other metric gets
 * its own, so a latency in milliseconds does not flatten a rate to zero.
 * Bars are the measured values and the line is the thresholds. A chart with
 * one gate draws the threshold as a second bar, because a line through one
 * point is not visible.
 */
export function renderGateCharts(gates: readonly GateResult[]): string[] {
  const groups = new Map<string, ChartedGate[]>();
  for (const gate of gates) {
    // A relative gate without a baseline has no threshold to draw.
    if (!isCharted(gate)) continue;
    const key = isUnitInterval(gate) ? ' unit' : gate.metric;
    groups.set(key, [...(groups.get(key) ?? []), gate]);
  }

  return [...groups.entries()].slice(0, MAX_CHARTS).map(([key, group]) => gateChart(key === ' unit' ? 'Rates and scores' : group[0]?.metric ?? key, group));
}

type ChartedGate = GateResult & { threshold: number };

function isCharted(gate: GateResult): gate is ChartedGate {
  return gate.threshold !== null;
}

function gateChart(title: string, gates: ChartedGate[]): string {
  const values = gates.map((gate) => gate.actual ?? 0);
  const thresholds = gates.map((gate) => gate.threshold);
  const labels = gates.map((gate) => `${gate.metric}${gate.actual === null ? ' (no value)' : ''}`);
  const [low, high] = axisRange([...values, ...thresholds]);

  const lines = ['```mermaid', 'xychart-beta', `  title "${chartText(title)}: value vs. gate threshold"`];
  if (gates.length === 1) {
    lines.push(`  x-axis [${[...labels, 'threshold'].map(chartLabel).join(', ')}]`);
    lines.push(`  y-axis ${chartNumber(low)} --> ${chartNumber(high)}`);
    lines.push(`  bar [${[...values, ...thresholds].map(chartNumber).join(', ')}]`);
  } else {
    lines.push(`  x-axis [${labels.map(chartLabel).join(', ')}]`);
    lines.push(`  y-axis ${chartNumber(low)} --> ${chartNumber(high)}`);
    lines.push(`  bar [${values.map(chartNumber).join(', ')}]`);
    lines.push(`  line [${thresholds.map(chartNumber).join(', ')}]`);
  }

  lines.push('```');
  return lines.join('\n');
}

function isUnitInterval(gate: ChartedGate): boolean {
  const inRange = (value: number) => value >= 0 && value <= 1;
  return inRange(gate.threshold) && (gate.actual === null || inRange(gate.actual));
}

// Bars start at zero (or below, for negative values) so their heights compare honestly.
function axisRange(numbers: number[]): [number, number] {
  const low = Math.min(0, ...numbers);
  const high = Math.max(...numbers);
  if (low >= 0 && high <= 1) return [0, 1];

  const top = high <= low ? low + 1 : high + (high - low) * 0.1;
  return [low, top];
}

function chartNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function chartLabel(text: string): string {
  return `"${chartText(text)}"`;
}

// Mermaid has no escape for a double quote inside a quoted label.
function chartText(text: string): string {
  return text.replace(/["\r\n]/g, ' ');
}

/** Formats a metric value the way the terminal report does; "—" when there is none. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return NO_VALUE;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1000 ? value.toFixed(1) : String(Number(value.toPrecision(4)));
}

function formatDelta(delta: number | null): string {
  if (delta === null) return NO_VALUE;
  if (delta === 0) return '±0';
  return delta > 0 ? `+${formatNumber(delta)}` : formatNumber(delta);
}

function difference(value: number | null, baseline: number | null): number | null {
  return value === null || baseline === null ? null : value - baseline;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Escapes text for a Markdown table cell: HTML-significant characters and
 * `|` become entities, line breaks become spaces, Markdown emphasis and link
 * characters are backslash-escaped, and `@` gets a zero-width space so a
 * model output cannot mention (and notify) a user.
 */
export function escapeText(text: string): string {
  // Backslash escapes go first, so the `#` of the entities added below is not escaped.
  return text
    .replace(/([\\`*_[\]#~])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/[\r\n]+/g, ' ')
    .replace(/@/g, '@&#8203;');
}

// Raw HTML does not stop Markdown parsing inside it, so the content is escaped like any other text.
function code(text: string): string {
  return `<code>${escapeText(text)}</code>`;
}
