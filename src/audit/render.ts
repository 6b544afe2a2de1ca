// The audit report as Markdown for people and as CSV for spreadsheets; the
// JSON form is the AuditReport itself.

import { formatMetric, shortCommit, shortDigest } from '../history/format.js';
import { inlineCode, markdownTable, plainText } from '../history/markdown.js';
import type { AuditBundle, AuditPipeline, AuditReport } from './audit.js';
import { formatCsv } from './csv.js';

const CSV_HEADER = [
  'record',
  'pipeline',
  'time',
  'file',
  'version',
  'verdict',
  'dataset_path',
  'dataset_sha256',
  'metrics',
  'gates',
  'signature',
  'signers',
  'approvals_required',
  'approvers',
  'commit',
  'rollback_from',
  'rollback_to',
  'rollback_by',
  'problems',
] as const;

/** Renders the report as Markdown: a summary, then per pipeline its bundles, problems and rollbacks. */
export function renderAuditMarkdown(report: AuditReport): string {
  const lines = ['# proofgate audit', '', ...summaryLines(report)];

  if (report.pipelines.length === 0) lines.push('', 'No bundles found.');
  for (const pipeline of report.pipelines) lines.push('', ...pipelineSection(pipeline));

  return `${lines.join('\n')}\n`;
}

/** Renders one CSV row per bundle and per rollback record. */
export function renderAuditCsv(report: AuditReport): string {
  const rows = report.pipelines.flatMap((pipeline) => [
    ...pipeline.bundles.map((bundle) => bundleRow(pipeline.name, bundle)),
    ...pipeline.rollbacks.map((rollback) => [
      'rollback', pipeline.name, rollback.at, rollback.path, rollback.toVersion, null, null, null, null, null,
      rollback.verified ? 'verified' : 'invalid', signerList(rollback.signers), null, null, null,
      rollback.fromVersion, rollback.toVersion, rollback.by, rollback.problems.join('; '),
    ]),
  ]);

  return formatCsv(CSV_HEADER, rows);
}

function bundleRow(pipeline: string, bundle: AuditBundle): Array<string | number | null> {
  return [
    'bundle', pipeline, bundle.time, bundle.path, bundle.version, bundle.verdict, bundle.dataset.path, bundle.dataset.sha256,
    Object.entries(bundle.metrics).map(([name, value]) => `${name}=${value ?? ''}`).join('; '),
    bundle.gates.map((gate) => `${gate.source}: ${gate.passed ? 'pass' : 'fail'}`).join('; '),
    bundle.signature.status, signerList(bundle.signature.signers),
    bundle.approvals?.required ?? null,
    (bundle.approvals?.approvers ?? []).map((approver) => `${approver.principal} (${approver.method})`).join('; '),
    bundle.commit, null, null, null,
    problemsOf(bundle).join('; '),
  ];
}

function summaryLines(report: AuditReport): string[] {
  const { summary, period } = report;
  const window = `${period.since ?? 'the first bundle'} to ${period.until === null ? 'now' : `${period.until} (excluded)`}`;
  const result = summary.intact
    ? 'every signature verified and the previous-bundle chain is unbroken'
    : `${summary.signatureProblems} signature ${plural(summary.signatureProblems, 'problem')} and ${summary.chainProblems} chain ${plural(summary.chainProblems, 'problem')}`;

  return markdownTable(
    ['', ''],
    [
      ['period', window],
      ['generated', report.generatedAt],
      ['trust', inlineCode(report.trust)],
      ['bundles', String(summary.bundles)],
      ['rollbacks', String(summary.rollbacks)],
      ['result', `**${summary.intact ? 'intact' : 'broken'}**: ${result}`],
    ],
  );
}

function pipelineSection(pipeline: AuditPipeline): string[] {
  const lines = [`## ${plainText(pipeline.name)}`, ''];

  if (pipeline.bundles.length === 0) lines.push('No bundles in the period.');
  else lines.push(...markdownTable(['finished', 'version', 'dataset', 'verdict', 'metrics', 'gates', 'signature', 'approvals', 'commit'], pipeline.bundles.map(bundleCells)));

  const problems = pipeline.bundles.flatMap((bundle) => problemsOf(bundle).map((problem) => `- ${inlineCode(bundle.path)}: ${plainText(problem)}`));
  if (problems.length > 0) lines.push('', '### Problems', '', ...problems);

  if (pipeline.rollbacks.length > 0) {
    const rows = pipeline.rollbacks.map((rollback) => [
      rollback.at ?? '-',
      inlineCode(shortDigest(rollback.fromVersion)),
      inlineCode(shortDigest(rollback.toVersion)),
      rollback.by ?? '-',
      rollback.verified ? `verified (${signerList(rollback.signers)})` : `**invalid**: ${rollback.problems.join('; ')}`,
    ]);
    lines.push('', '### Rollbacks', '', ...markdownTable(['time', 'from', 'to', 'by', 'signature'], rows));
  }

  return lines;
}

function bundleCells(bundle: AuditBundle): string[] {
  const gates = bundle.gates.filter((gate) => !gate.passed).map((gate) => gate.source);
  const approvals = bundle.approvals;

  return [
    bundle.time,
    inlineCode(shortDigest(bundle.version)),
    bundle.dataset.sha256 === null ? '-' : `${inlineCode(bundle.dataset.path ?? '-')} ${inlineCode(shortDigest(bundle.dataset.sha256))}`,
    bundle.verdict ?? '-',
    Object.entries(bundle.metrics).map(([name, value]) => `${name} ${formatMetric(value)}`).join(', ') || '-',
    describeGates(bundle.gates.length, gates),
    bundle.signature.status === 'verified' ? `verified (${signerList(bundle.signature.signers)})` : `**${bundle.signature.status}**`,
    approvals === null ? '-' : describeApprovals(approvals),
    inlineCode(shortCommit(bundle.commit)),
  ];
}

function describeGates(total: number, failed: string[]): string {
  if (total === 0) return '-';
  if (failed.length === 0) return `all ${total} passed`;
  return `failed: ${failed.join('; ')}`;
}

function describeApprovals(approvals: NonNullable<AuditBundle['approvals']>): string {
  const names = approvals.approvers.map((approver) => `${approver.principal} (${approver.method})`).join(', ');
  const count = approvals.required > 0 ? `${approvals.approvers.length}/${approvals.required}` : '';

  return [count, names].filter((part) => part !== '').join(': ') || 'none';
}

// Integrity problems first; approval shortfalls are listed but do not break the audit.
function problemsOf(bundle: AuditBundle): string[] {
  const signature = bundle.signature.status === 'verified' ? [] : signatureProblem(bundle);
  const approvals = bundle.approvals?.satisfied === false ? bundle.approvals.problems.map((problem) => `approval: ${problem}`) : [];

  return [...signature, ...bundle.chain.map((problem) => `${problem.kind}: ${problem.message}`), ...approvals];
}

function signatureProblem(bundle: AuditBundle): string[] {
  if (bundle.signature.problems.length === 0) return [`signature ${bundle.signature.status}`];
  return bundle.signature.problems.map((problem) => `signature ${bundle.signature.status}: ${problem}`);
}

function signerList(signers: Array<{ principal: string }>): string {
  return signers.map((signer) => signer.principal).join(', ');
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
