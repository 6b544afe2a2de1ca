import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProofgateError, type ProofgateError } from '../../src/errors.js';
import { findVersionCandidates, listCandidates, parseTargetSpec } from '../../src/rollback/target.js';
import { createProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project?.remove());

/** Writes a minimal unsigned bundle file for `version` under proofs/faq/. */
function writeBundle(stamp: string, version: string): string {
  const file = project.write(`proofs/faq/${stamp}-${version.slice(0, 12)}.json`, '');
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'faq', digest: { sha256: version } }],
    predicateType: 'https://proofgate.dev/attestation/eval/v1',
    predicate: { pipeline: { name: 'faq', version } },
  };
  writeFileSync(file, JSON.stringify({ bundle: 'proofgate/v1', payloadType: 'application/vnd.in-toto+json', statement, signatures: [] }));
  return file;
}

async function usageError(action: Promise<unknown>): Promise<ProofgateError> {
  const error = await action.catch((caught: unknown) => caught);
  if (!isProofgateError(error)) throw new Error(`expected a ProofgateError, got ${String(error)}`);
  return error;
}

const V1 = `abcdef1${'1'.repeat(57)}`;
const V2 = `abcdef1${'2'.repeat(57)}`;
const V3 = `0123456${'3'.repeat(57)}`;

describe('parseTargetSpec', () => {
  it('reads previous', () => {
    expect(parseTargetSpec('previous', '/work')).toEqual({ kind: 'previous' });
  });

  it('reads a version prefix', () => {
    expect(parseTargetSpec('ABCDEF1', '/work')).toEqual({ kind: 'version', prefix: 'abcdef1' });
    expect(parseTargetSpec(`sha256:${V1}`, '/work')).toEqual({ kind: 'version', prefix: V1 });
  });

  it('reads anything else as a path', () => {
    expect(parseTargetSpec('proofs/faq/x.json', '/work')).toEqual({ kind: 'bundle', file: path.resolve('/work', 'proofs/faq/x.json') });
  });

  it('rejects a short prefix', () => {
    expect(() => parseTargetSpec('abc123', '/work')).toThrow(/at least 7 hex digits/);
  });
});

describe('findVersionCandidates', () => {
  it('lists one version newest first', async () => {
    project = createProject();
    const older = writeBundle('20250101T000000Z', V1);
    const newer = writeBundle('20250102T000000Z', V1);
    writeBundle('20250103T000000Z', V3);

    const candidates = await findVersionCandidates(project.path('proofs/faq'), 'abcdef111');

    expect(candidates.map((candidate) => candidate.file)).toEqual([newer, older]);
    expect(candidates[0]?.version).toBe(V1);
  });

  it('matches a full digest', async () => {
    project = createProject();
    writeBundle('20250101T000000Z', V1);
    writeBundle('20250102T000000Z', V2);

    const candidates = await findVersionCandidates(project.path('proofs/faq'), V2);

    expect(candidates.map((candidate) => candidate.version)).toEqual([V2]);
  });

  it('lists each match of an ambiguous prefix', async () => {
    project = createProject();
    writeBundle('20250101T000000Z', V1);
    writeBundle('20250102T000000Z', V2);

    const error = await usageError(findVersionCandidates(project.path('proofs/faq'), 'abcdef1'));

    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(/ambiguous: it matches 2 versions/);
    expect(error.details).toEqual([`${V2} (20250102T000000Z-${V2.slice(0, 12)}.json)`, `${V1} (20250101T000000Z-${V1.slice(0, 12)}.json)`]);
  });

  it('rejects an unknown version', async () => {
    project = createProject();
    writeBundle('20250101T000000Z', V1);

    const error = await usageError(findVersionCandidates(project.path('proofs/faq'), '9999999'));

    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(/no bundle .* tested a version starting with 9999999/);
  });
});

describe('listCandidates', () => {
  it('skips files that are not bundles', async () => {
    project = createProject();
    const good = writeBundle('20250101T000000Z', V1);
    project.write(`proofs/faq/20250102T000000Z-${V3.slice(0, 12)}.json`, 'not json');

    const candidates = await listCandidates(project.path('proofs/faq'));

    expect(candidates.map((candidate) => candidate.file)).toEqual([good]);
  });
});
