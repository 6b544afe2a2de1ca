// JUnit XML report in the form GitLab, Jenkins and most CI systems read:
// <testsuites> with one <testsuite> for the gates and one for the cases.

import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { GateResult } from '../gates/evaluate.js';
import type { CaseRecord } from '../run/case.js';
import { formatNumber } from './markdown.js';
import type { RunSummary } from './summary.js';

// Writes are batched to about this many characters, so memory stays flat however many cases there are.
const FLUSH_CHARS = 64 * 1024;

/**
 * Writes the JUnit report while `records` is read, one case at a time, so
 * memory does not grow with the dataset. Each case is a test case: failed
 * scorers become a <failure> with their reasons, a target error an <error>.
 * Each gate is a test case too. The file is written to a temporary name and
 * renamed, so a reader never sees half a report.
 */
export async function writeJunitReport(file: string, summary: RunSummary, records: AsyncIterable<CaseRecord>, startedAt: Date): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  let buffered = '';
  const write = async (text: string) => {
    buffered += text;
    if (buffered.length < FLUSH_CHARS) return;
    await handle.write(buffered);
    buffered = '';
  };

  try {
    await write(junitHead(summary, startedAt));
    for await (const record of records) await write(caseTestcase(record, summary.pipeline));
    await write('  </testsuite>\n</testsuites>\n');
    await handle.write(buffered);
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Renders the XML declaration, <testsuites>, the whole gate suite and the opening of the case suite. */
export function junitHead(summary: RunSummary, startedAt: Date): string {
  const { cases } = summary;
  const gateFailures = summary.gates.filter((gate) => !gate.passed).length;
  const caseFailures = cases.failed - cases.errors;
  const seconds = formatSeconds(summary.durationMs);
  const timestamp = startedAt.toISOString().replace(/\.\d{3}Z$/, '');

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attributes({ name: `proofgate ${summary.pipeline}`, tests: summary.gates.length + cases.total, failures: gateFailures + caseFailures, errors: cases.errors, time: seconds })}>`,
    `  <testsuite ${attributes({ name: `${summary.pipeline} gates`, tests: summary.gates.length, failures: gateFailures, errors: 0, skipped: 0, time: '0', timestamp })}>`,
    ...summary.gates.map((gate) => gateTestcase(gate, summary.pipeline)),
    '  </testsuite>',
    `  <testsuite ${attributes({ name: `${summary.pipeline} cases`, tests: cases.total, failures: caseFailures, errors: cases.errors, skipped: 0, time: seconds, timestamp })}>`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Renders one gate as a test case; a failed gate carries its reason. */
export function gateTestcase(gate: GateResult, pipeline: string): string {
  const open = `    <testcase ${attributes({ classname: `${pipeline}.gates`, name: gate.source, time: '0' })}`;
  if (gate.passed) return `${open}/>`;

  const message = gate.reason ?? `${gate.metric} is ${formatNumber(gate.actual)}, but the gate requires ${gate.op} ${gate.threshold}`;
  return [
    `${open}>`,
    `      <failure ${attributes({ message, type: 'gate' })}>${text(message)}</failure>`,
    '    </testcase>',
  ].join('\n');
}

/** Renders one dataset case as a test case, with its scores in <system-out>. */
export function caseTestcase(record: CaseRecord, pipeline: string): string {
  const lines = [`    <testcase ${attributes({ classname: `${pipeline}.cases`, name: record.id, time: formatSeconds(record.latency_ms) })}>`];

  if (record.error !== undefined) {
    lines.push(`      <error ${attributes({ message: record.error, type: 'target' })}>${text(record.error)}</error>`);
  } else if (!record.pass) {
    const failed = Object.entries(record.scores).filter(([, score]) => !score.pass);
    const reasons = failed.map(([name, score]) => `${name}: ${score.reason ?? 'failed'}`);
    lines.push(`      <failure ${attributes({ message: reasons[0] ?? 'failed', type: 'scorer' })}>${text(reasons.join('\n'))}</failure>`);
  }

  lines.push(`      <system-out>${text(scoreLine(record))}</system-out>`);
  lines.push('    </testcase>');
  return `${lines.join('\n')}\n`;
}

function scoreLine(record: CaseRecord): string {
  const scores = Object.entries(record.scores).map(([name, score]) => `${name}=${formatNumber(score.score)} (${score.pass ? 'pass' : 'fail'})`);
  const parts = [`scores: ${scores.join(', ') || 'none'}`, `latency_ms: ${record.latency_ms}`];
  if (record.output_sha256 !== undefined) parts.push(`output_sha256: ${record.output_sha256}`);
  return parts.join('\n');
}

function formatSeconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${attributeValue(String(value))}"`)
    .join(' ');
}

// Line breaks and tabs are written as references because XML parsers turn them into spaces in attributes.
function attributeValue(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/**
 * Escapes character data. Characters XML 1.0 cannot contain at all (most
 * control characters, lone surrogates, U+FFFE/U+FFFF) become U+FFFD, since
 * a model output may hold any of them.
 */
function text(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
