import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/bundle/keys.js';
import type { RollbackPredicate } from '../../src/bundle/statement.js';
import { EVAL_NAMESPACE, parseAllowedSigners, formatAllowedSignersLine } from '../../src/bundle/trust.js';
import { buildRollbackStatement, verifyRollbackRecord, writeRollbackRecord } from '../../src/rollback/record.js';
import { createProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project.remove());

const TO = 'b'.repeat(64);

function predicate(): RollbackPredicate {
  return {
    pipeline: { name: 'faq', path: 'pipeline.yaml' },
    from: { version: 'a'.repeat(64) },
    to: { version: TO },
    target: { path: 'proofs/faq/20250101T000000Z-bbbbbbbbbbbb.json', statementSha256: 'c'.repeat(64), fileSha256: 'd'.repeat(64), signers: ['ci@example.com'], approvers: ['alice@example.com'] },
    restored: [{ path: 'pipeline.yaml', sha256: 'e'.repeat(64), gitBlob: 'f'.repeat(40), source: 'blob' }],
    removed: [],
    by: 'bob@example.com',
    at: '2025-02-03T04:05:06.789Z',
    git: { commitBefore: '1'.repeat(40), branch: 'main' },
    ci: {},
    tool: { name: 'proofgate', version: '0.0.0' },
  };
}

describe('rollback record', () => {
  it('writes under rollbacks with the time and version', async () => {
    project = createProject();

    const file = await writeRollbackRecord(project.path('proofs'), buildRollbackStatement(predicate()), undefined);

    expect(path.relative(project.dir, file)).toBe('proofs/faq/rollbacks/20250203T040506.789Z-bbbbbbbbbbbb.json');
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.statement.predicateType).toBe('https://proofgate.dev/attestation/rollback/v1');
    expect(written.statement.subject).toEqual([{ name: 'faq', digest: { sha256: TO } }]);
    expect(written.signatures).toEqual([]);
  });

  it('verifies with a trusted key', async () => {
    project = createProject();
    const key = generateSigningKey();
    const trust = parseAllowedSigners(formatAllowedSignersLine('ci@example.com', key.publicKey, [EVAL_NAMESPACE]), 'trust');

    const file = await writeRollbackRecord(project.path('proofs'), buildRollbackStatement(predicate()), key);
    const result = await verifyRollbackRecord(file, trust);

    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.signers.map((signer) => signer.principal)).toEqual(['ci@example.com']);
    expect(result.predicate?.by).toBe('bob@example.com');
  });

  it('rejects an edited record', async () => {
    project = createProject();
    const key = generateSigningKey();
    const trust = parseAllowedSigners(formatAllowedSignersLine('ci@example.com', key.publicKey, [EVAL_NAMESPACE]), 'trust');
    const file = await writeRollbackRecord(project.path('proofs'), buildRollbackStatement(predicate()), key);
    const record = JSON.parse(readFileSync(file, 'utf8'));
    record.statement.predicate.by = 'mallory@example.com';
    writeFileSync(file, JSON.stringify(record));

    const result = await verifyRollbackRecord(file, trust);

    expect(result.ok).toBe(false);
    expect(result.problems.join('\n')).toMatch(/does not match the statement/);
  });

  it('rejects an unsigned record', async () => {
    project = createProject();
    const file = await writeRollbackRecord(project.path('proofs'), buildRollbackStatement(predicate()), undefined);

    const result = await verifyRollbackRecord(file, []);

    expect(result.ok).toBe(false);
    expect(result.problems).toContain('bundle is unsigned');
  });

  it('two records never overwrite each other', async () => {
    project = createProject();
    const statement = buildRollbackStatement(predicate());

    const first = await writeRollbackRecord(project.path('proofs'), statement, undefined);
    const second = await writeRollbackRecord(project.path('proofs'), statement, undefined);

    expect(second).not.toBe(first);
    expect(path.basename(second)).toBe('20250203T040506.789Z-bbbbbbbbbbbb-1.json');
  });
});
