// GitHub Actions output: workflow-command annotations, the job summary
// ($GITHUB_STEP_SUMMARY) and step outputs ($GITHUB_OUTPUT).

import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { GateResult } from '../gates/evaluate.js';
import { formatNumber } from './markdown.js';
import type { RunSummary } from './summary.js';

export interface AnnotationProperties {
  file?: string;
  line?: number;
  col?: number;
  title?: string;
}

/** Position of a gate in pipeline.yaml, 1-based, or undefined when it could not be located. */
export type GatePosition = { line: number; col: number } | undefined;

/** True when running as a GitHub Actions step. */
export function isGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** Escapes a workflow command's message, as the runner decodes it. */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command property value; `:` and `,` would end the value early. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Formats one `::error` / `::warning` workflow command line (without the line break). */
export function formatAnnotation(level: 'error' | 'warning' | 'notice', message: string, properties: AnnotationProperties = {}): string {
  const pairs: string[] = [];
  if (properties.file !== undefined) pairs.push(`file=${escapeCommandProperty(properties.file)}`);
  if (properties.line !== undefined) pairs.push(`line=${properties.line}`);
  if (properties.col !== undefined) pairs.push(`col=${properties.col}`);
  if (properties.title !== undefined) pairs.push(`title=${escapeCommandProperty(properties.title)}`);

  const head = pairs.length > 0 ? `::${level} ${pairs.join(',')}` : `::${level}`;
  return `${head}::${escapeCommandData(message)}`;
}

/**
 * Annotations for a finished run: one error per failed gate, pointing at the
 * gate's line in pipeline.yaml, and a warning when the bundle is unsigned.
 * `pipelineFile` is the path GitHub shows, relative to the repository root.
 */
export function runAnnotations(summary: RunSummary, pipelineFile: string, positions: readonly GatePosition[]): string[] {
  const lines: string[] = [];
  summary.gates.forEach((gate, index) => {
    if (gate.passed) return;
    const position = positions[index];
    lines.push(formatAnnotation('error', gateMessage(gate), {
      file: pipelineFile,
      ...(position === undefined ? {} : { line: position.line, col: position.col }),
      title: `proofgate gate failed: ${gate.source}`,
    }));
  });

  if (!summary.signed) {
    const message = `The bundle ${summary.bundle} is unsigned, so \`proofgate verify\` will reject it. Set the signing key secret (PROOFGATE_SIGNING_KEY).`;
    lines.push(formatAnnotation('warning', message, { title: 'proofgate bundle unsigned' }));
  }

  return lines;
}

function gateMessage(gate: GateResult): string {
  return gate.reason ?? `${gate.metric} is ${formatNumber(gate.actual)}, but the gate requires ${gate.op} ${gate.threshold}`;
}

/** The step outputs proofgate sets: verdict, exit code, bundle path, metrics and failed gates. */
export function runOutputs(summary: RunSummary): Record<string, string> {
  const metrics = Object.fromEntries(Object.entries(summary.metrics).map(([name, metric]) => [name, metric.value]));
  const failed = summary.gates.filter((gate) => !gate.passed).map((gate) => `${gate.source}: ${gateMessage(gate)}`);

  return {
    verdict: summary.verdict,
    'exit-code': String(summary.exitCode),
    bundle: summary.bundle,
    metrics: JSON.stringify(metrics),
    'failed-gates': failed.join('\n'),
  };
}

/**
 * Formats outputs for $GITHUB_OUTPUT. Single-line values use `name=value`.
 * Multi-line values use the `name<<DELIMITER` form with a random delimiter
 * that does not occur in the value, so no value can end its block early or
 * set another output.
 */
export function formatOutputs(outputs: Record<string, string>): string {
  return Object.entries(outputs)
    .map(([name, value]) => {
      if (!/[\r\n]/.test(value)) return `${name}=${value}\n`;
      let delimiter = `ghadelimiter_${randomUUID()}`;
      while (value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

/** Appends to a file the runner reads after the step ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY). */
export async function appendToRunnerFile(file: string, text: string): Promise<void> {
  await appendFile(file, text, 'utf8');
}
