// `proofgate audit`: every bundle of every pipeline in a period, with its
// signatures, approvals, chain links and the pipeline's rollbacks.

import path from 'node:path';

import { listBundleFiles, verifyBundleSignatures, type BundleFile } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { summarizeApprovals, type ApprovalSummary } from '../history/approvals.js';
import { readHistoryEntry, type HistoryEntry } from '../history/entry.js';
import { listPipelineNames, type ProofsLocation } from '../history/locate.js';
import { checkChain, type ChainProblem } from './chain.js';
import { inPeriod, type AuditPeriod } from './period.js';
import { readRollbacks, type AuditRollback } from './rollbacks.js';

export type SignatureStatus = 'verified' | 'unsigned' | 'invalid' | 'unreadable';

export interface AuditBundle extends Omit<HistoryEntry, 'file' | 'previous' | 'unreadable'> {
  signature: { status: SignatureStatus; signers: Array<{ keyid: string; principal: string }>; problems: string[] };
  /** Null when the bundle could not be read. */
  approvals: ApprovalSummary | null;
  chain: ChainProblem[];
}

export interface AuditPipeline {
  name: string;
  bundles: AuditBundle[];
  rollbacks: AuditRollback[];
}

export interface AuditReport {
  generatedAt: string;
  period: { since: string | null; until: string | null };
  trust: string;
  pipelines: AuditPipeline[];
  summary: {
    bundles: number;
    rollbacks: number;
    /** Bundles without a trusted signature, plus rollback records without one. */
    signatureProblems: number;
    chainProblems: number;
    /** True when every signature verified and the chain is unbroken. */
    intact: boolean;
  };
}

export interface AuditOptions {
  location: ProofsLocation;
  trust: TrustedKey[];
  /** Source of the trusted keys, shown in the report. */
  trustLabel: string;
  period: AuditPeriod;
  /** Time the report is made, and the time approvals are verified at; default now. */
  at?: Date;
}

/**
 * Builds the audit report. The chain is checked over each pipeline's whole
 * history, so a gap just before the period is found too. The report lists
 * the bundles and rollbacks whose time lies in the period.
 */
export async function auditProofs(options: AuditOptions): Promise<AuditReport> {
  const at = options.at ?? new Date();
  const pipelines: AuditPipeline[] = [];

  for (const name of await listPipelineNames(options.location.proofsDir)) {
    pipelines.push(await auditPipeline(name, options, at));
  }

  return {
    generatedAt: at.toISOString(),
    period: { since: options.period.since?.toISOString() ?? null, until: options.period.until?.toISOString() ?? null },
    trust: options.trustLabel,
    pipelines,
    summary: summarize(pipelines),
  };
}

async function auditPipeline(name: string, options: AuditOptions, at: Date): Promise<AuditPipeline> {
  const { root, proofsDir } = options.location;
  const dir = path.join(proofsDir, name);
  const files = await listBundleFiles(dir);

  // Only summaries are kept across the loop; each parsed bundle is dropped once checked.
  const entries: HistoryEntry[] = [];
  const bundles: AuditBundle[] = [];

  for (const file of files) {
    const { entry, bundle } = await readHistoryEntry(file, root, name);
    entries.push(entry);

    if (inPeriod(entry.time, options.period)) bundles.push(await auditBundle(entry, bundle, options.trust, root, at));
  }

  const problems = await checkChain(entries, root);
  for (const audited of bundles) audited.chain = problems.filter((problem) => problem.bundle === audited.path);

  const rollbacks = (await readRollbacks(dir, root, options.trust, at)).filter((rollback) => rollback.at === null || inPeriod(rollback.at, options.period));

  return { name, bundles, rollbacks };
}

async function auditBundle(entry: HistoryEntry, bundle: BundleFile | undefined, trust: TrustedKey[], root: string, at: Date): Promise<AuditBundle> {
  const { file, previous: _previous, unreadable, ...summary } = entry;

  if (bundle === undefined) {
    return { ...summary, signature: { status: 'unreadable', signers: [], problems: [unreadable ?? 'the bundle could not be read'] }, approvals: null, chain: [] };
  }

  // Keys are judged at the bundle's own finish time, so that a key retired
  // later with valid-before still vouches for the bundles it signed before.
  const signedAt = parseTime(entry.time) ?? at;
  const { trusted, problems } = verifyBundleSignatures(bundle, trust, signedAt);
  const status = signatureStatus(trusted.length, bundle.signatures.length);
  const approvals = entry.statementSha256 === null ? null : await summarizeApprovals(file, bundle, trust, root, at);

  return { ...summary, signature: { status, signers: trusted, problems }, approvals, chain: [] };
}

function parseTime(time: string): Date | undefined {
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}

function signatureStatus(trusted: number, signatures: number): SignatureStatus {
  if (trusted > 0) return 'verified';
  if (signatures === 0) return 'unsigned';
  return 'invalid';
}

function summarize(pipelines: AuditPipeline[]): AuditReport['summary'] {
  const bundles = pipelines.flatMap((pipeline) => pipeline.bundles);
  const rollbacks = pipelines.flatMap((pipeline) => pipeline.rollbacks);

  const signatureProblems =
    bundles.filter((bundle) => bundle.signature.status !== 'verified').length + rollbacks.filter((rollback) => !rollback.verified).length;
  const chainProblems = bundles.reduce((total, bundle) => total + bundle.chain.length, 0);

  return { bundles: bundles.length, rollbacks: rollbacks.length, signatureProblems, chainProblems, intact: signatureProblems === 0 && chainProblems === 0 };
}
