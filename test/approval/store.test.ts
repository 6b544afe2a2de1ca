import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { approvalFileName, listApprovalFiles, readApprovalFile, writeApprovalFile, type ApprovalFile } from '../../src/approval/store.js';
import { ProofgateError } from '../../src/errors.js';
import { catchRejection, useTempDirs } from '../bundle/fixtures.js';

const makeTempDir = useTempDirs();
const BUNDLE = '20250102T030405Z-0123456789ab.json';

const CONTENT: ApprovalFile = {
  approval: 'proofgate/v1',
  payloadType: 'application/vnd.in-toto+json',
  statement: { _type: 'https://in-toto.io/Statement/v1', subject: [], predicate: {} },
  signatures: [{ keyid: 'SHA256:x', sig: 'AAAA' }],
};

describe('approvalFileName', () => {
  it('keeps the principal readable', () => {
    expect(approvalFileName(`proofs/faq/${BUNDLE}`, 'alice@example.com')).toMatch(/^20250102T030405Z-0123456789ab\.approval\.alice-example\.com-[0-9a-f]{8}\.json$/);
  });

  it('separates principals that differ in case', () => {
    const upper = approvalFileName(BUNDLE, 'Alice@example.com');
    const lower = approvalFileName(BUNDLE, 'alice@example.com');

    expect(upper).not.toBe(lower);
  });

  it('makes unsafe principals safe', () => {
    const name = approvalFileName(BUNDLE, '../../etc/passwd');

    expect(name).not.toContain('/');
    expect(name.startsWith('20250102T030405Z-0123456789ab.approval.')).toBe(true);
  });

  it('shortens long principals', () => {
    const name = approvalFileName(BUNDLE, `${'a'.repeat(200)}@example.com`);

    expect(name.length).toBeLessThan(120);
  });
});

describe('listApprovalFiles', () => {
  it('lists only this bundle\'s approvals', async () => {
    const dir = await makeTempDir();
    const bundle = path.join(dir, BUNDLE);
    writeFileSync(bundle, '{}');
    writeFileSync(path.join(dir, approvalFileName(bundle, 'alice@example.com')), '{}');
    writeFileSync(path.join(dir, approvalFileName(path.join(dir, '20250102T030405Z-0123456789ab-1.json'), 'bob@example.com')), '{}');
    writeFileSync(path.join(dir, '20250102T030405Z-0123456789ab.approval.notes.txt'), '');

    const files = await listApprovalFiles(bundle);

    expect(files.map((file) => path.basename(file))).toEqual([approvalFileName(bundle, 'alice@example.com')]);
  });

  it('returns nothing for a missing folder', async () => {
    expect(await listApprovalFiles('/nonexistent/folder/x.json')).toEqual([]);
  });
});

describe('writeApprovalFile', () => {
  it('writes pretty JSON', async () => {
    const file = path.join(await makeTempDir(), 'a.json');

    await writeApprovalFile(file, CONTENT);

    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(CONTENT);
    expect(readFileSync(file, 'utf8')).toMatch(/\n}\n$/);
  });

  it('never overwrites an approval', async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, 'a.json');
    await writeApprovalFile(file, CONTENT);

    const error = await catchRejection(writeApprovalFile(file, { ...CONTENT, payloadType: 'changed' }));

    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).code).toBe('USAGE');
    expect(JSON.parse(readFileSync(file, 'utf8')).payloadType).toBe(CONTENT.payloadType);
    expect((await import('node:fs')).readdirSync(dir)).toEqual(['a.json']);
  });
});

describe('readApprovalFile', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not an object', [], 'does not contain a JSON object'],
    ['wrong marker', { ...CONTENT, approval: 'x' }, '"approval" must be "proofgate/v1"'],
    ['no statement', { ...CONTENT, statement: 1 }, '"statement" must be an object'],
    ['both signatures', { ...CONTENT, sshsig: 'x' }, 'exactly one of "sshsig"'],
    ['no signature', { ...CONTENT, signatures: undefined }, 'exactly one of "sshsig"'],
    ['empty signatures', { ...CONTENT, signatures: [] }, 'non-empty array'],
  ];

  for (const [label, value, fragment] of cases) {
    it(`rejects ${label}`, async () => {
      const file = path.join(await makeTempDir(), 'a.json');
      writeFileSync(file, JSON.stringify(value));

      const error = await catchRejection(readApprovalFile(file));

      expect((error as ProofgateError).code).toBe('BUNDLE_INVALID');
      expect((error as Error).message).toContain(fragment);
    });
  }

  it('rejects invalid JSON', async () => {
    const file = path.join(await makeTempDir(), 'a.json');
    writeFileSync(file, '{');

    expect(((await catchRejection(readApprovalFile(file))) as Error).message).toContain('not valid JSON');
  });
});
