import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

import { generateSigningKey, parseSshPublicKey, publicKeyToSshLine, sshFingerprint } from '../../src/bundle/keys.js';
import {
  APPROVAL_NAMESPACE,
  EVAL_NAMESPACE,
  findTrustedKey,
  formatAllowedSignersLine,
  loadTrust,
  matchesPatternList,
  parseAllowedSigners,
  type TrustedKey,
} from '../../src/bundle/trust.js';
import { ProofgateError } from '../../src/errors.js';
import { catchError, catchRejection, useTempDirs } from './fixtures.js';

const makeTempDir = useTempDirs();
const alice = generateSigningKey();
const bob = generateSigningKey();
const aliceKey = publicKeyToSshLine(alice.publicKey);
const bobKey = publicKeyToSshLine(bob.publicKey);

function parseOne(line: string): TrustedKey {
  const [entry, extra] = parseAllowedSigners(line, 'allowed_signers');

  expect(extra).toBeUndefined();
  expect(entry).toBeDefined();

  return entry!;
}

function expectTrustInvalid(text: string, line: number, fragment: string): void {
  const error = catchError(() => parseAllowedSigners(text, '.proofgate/allowed_signers'));

  expect(error, text).toBeInstanceOf(ProofgateError);
  expect((error as ProofgateError).code).toBe('TRUST_INVALID');
  expect((error as ProofgateError).message, text).toContain(`.proofgate/allowed_signers:${line}: `);
  expect((error as ProofgateError).message, text).toContain(fragment);
}

describe('parseAllowedSigners', () => {
  it('reads a plain key line', () => {
    const entry = parseOne(`alice@example.com ${aliceKey} alice-laptop`);

    expect(entry.principals).toEqual(['alice@example.com']);
    expect(entry.keyType).toBe('ssh-ed25519');
    expect(Buffer.from(entry.publicKey!)).toEqual(Buffer.from(alice.publicKey));
    expect(entry.fingerprint).toBe(sshFingerprint(alice.publicKey));
    expect(entry.certAuthority).toBe(false);
    expect(entry.namespaces).toBeUndefined();
    expect(entry.validAfter).toBeUndefined();
    expect(entry.validBefore).toBeUndefined();
    expect(entry.file).toBe('allowed_signers');
    expect(entry.line).toBe(1);
  });

  it('skips comments and blank lines', () => {
    const text = `# trusted CI keys\n\n   \n  # indented comment\r\nci@example.com ${aliceKey}\r\n\nbob@example.com,*@ops.example.com ${bobKey}\n`;
    const entries = parseAllowedSigners(text, 'trust');

    expect(entries.map((entry) => entry.line)).toEqual([5, 7]);
    expect(entries[1]?.principals).toEqual(['bob@example.com', '*@ops.example.com']);
  });

  it('reads every option', () => {
    const entry = parseOne(
      `alice@example.com cert-authority,namespaces="proofgate-eval@v1,file",valid-after="20260101Z",valid-before="202612312359Z" ${aliceKey}`,
    );

    expect(entry.certAuthority).toBe(true);
    expect(entry.namespaces).toEqual(['proofgate-eval@v1', 'file']);
    expect(entry.validAfter).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(entry.validBefore).toEqual(new Date('2026-12-31T23:59:00Z'));
  });

  it('treats option names case-insensitively', () => {
    const entry = parseOne(`alice@example.com NAMESPACES="git",Valid-Before="20270102030405Z" ${aliceKey}`);

    expect(entry.namespaces).toEqual(['git']);
    expect(entry.validBefore).toEqual(new Date('2027-01-02T03:04:05Z'));
  });

  it('keeps spaces inside quotes', () => {
    const entry = parseOne(`alice@example.com namespaces="proofgate-eval@v1, git file" ${aliceKey} a comment`);

    expect(entry.namespaces).toEqual(['proofgate-eval@v1', 'git file']);
    expect(Buffer.from(entry.publicKey!)).toEqual(Buffer.from(alice.publicKey));
  });

  it('reads local time without Z', () => {
    const entry = parseOne(`alice@example.com valid-after="20260315",valid-before=202603151230 ${aliceKey}`);

    expect(entry.validAfter).toEqual(new Date(2026, 2, 15, 0, 0, 0));
    expect(entry.validBefore).toEqual(new Date(2026, 2, 15, 12, 30, 0));
  });

  it('records other key types', async () => {
    const dir = await makeTempDir();

    await execa('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-C', 'carol', '-f', join(dir, 'carol')]);

    const publicLine = (await readFile(join(dir, 'carol.pub'), 'utf8')).trim();
    const { stdout } = await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'carol.pub')]);
    const entry = parseOne(`carol@example.com ${publicLine}`);

    expect(entry.keyType).toBe('ecdsa-sha2-nistp256');
    expect(entry.publicKey).toBeUndefined();
    expect(stdout).toContain(entry.fingerprint!);
  });

  it('reads ssh-keygen ed25519 keys', async () => {
    const dir = await makeTempDir();

    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dave', '-f', join(dir, 'dave')]);

    const publicLine = (await readFile(join(dir, 'dave.pub'), 'utf8')).trim();
    const entry = parseOne(`dave@example.com ${publicLine}`);

    expect(Buffer.from(entry.publicKey!)).toEqual(Buffer.from(parseSshPublicKey(publicLine)));
  });
});

describe('parseAllowedSigners errors', () => {
  const ed25519Blob = aliceKey.split(' ')[1]!;
  const rsaBlob = Buffer.from('\0\0\0\x07ssh-rsa\0\0\0\x01\x03', 'latin1').toString('base64');
  const shortBlob = Buffer.from('\0\0\0\x0bssh-ed25519\0\0\0\x01\x03', 'latin1').toString('base64');

  it('reports the failing line', () => {
    expectTrustInvalid(`# header\n\nalice@example.com ${aliceKey}\nbob@example.com\n`, 4, 'no key type');
  });

  it('rejects malformed fields', () => {
    const cases: Array<[string, string]> = [
      [`alice@example.com ssh-ed25519`, 'no key type'],
      [`alice@example.com ssh-foo ${ed25519Blob}`, 'unknown'],
      [`alice@example.com frobnicate ssh-ed25519 ${ed25519Blob}`, 'unknown option'],
      [`alice@example.com trust=yes ssh-ed25519 ${ed25519Blob}`, 'unknown option "trust"'],
      [`alice@example.com namespaces="a b ssh-ed25519 ${ed25519Blob}`, 'never closed'],
      [`alice@example.com namespaces="git",namespaces="file" ${aliceKey}`, 'given twice'],
      [`alice@example.com namespaces="" ${aliceKey}`, 'empty'],
      [`alice@example.com cert-authority=yes ${aliceKey}`, 'takes no value'],
      [`alice@example.com,,bob@example.com ${aliceKey}`, 'empty entry'],
      [`alice@example.com ssh-ed25519 not*base64`, 'not valid base64'],
      [`alice@example.com ssh-ed25519 ${rsaBlob}`, 'does not contain a ssh-ed25519 key'],
      [`alice@example.com ssh-ed25519 ${shortBlob}`, 'not 32 key bytes'],
    ];

    for (const [line, fragment] of cases) {
      expectTrustInvalid(line, 1, fragment);
    }
  });

  it('rejects invalid timestamps', () => {
    for (const value of ['20261301Z', '20260230Z', '2026010Z', '202601011260Z', '20260101T1200Z', 'tomorrow']) {
      expectTrustInvalid(`alice@example.com valid-after="${value}" ${aliceKey}`, 1, `invalid time "${value}"`);
    }
  });

  it('rejects an empty validity window', () => {
    expectTrustInvalid(`alice@example.com valid-after="20260201Z",valid-before="20260101Z" ${aliceKey}`, 1, 'not later than');
  });
});

describe('matchesPatternList', () => {
  it('matches wildcards', () => {
    expect(matchesPatternList('proofgate-eval@v1', ['proofgate-*'])).toBe(true);
    expect(matchesPatternList('proofgate-eval@v1', ['proofgate-eval@v?'])).toBe(true);
    expect(matchesPatternList('proofgate-eval@v10', ['proofgate-eval@v?'])).toBe(false);
    expect(matchesPatternList('proofgate-eval@v1', ['git', 'file'])).toBe(false);
    expect(matchesPatternList('a.b', ['a?b'])).toBe(true);
    expect(matchesPatternList('axb', ['a.b'])).toBe(false);
  });

  it('lets negation win', () => {
    expect(matchesPatternList('proofgate-eval@v1', ['*', '!proofgate-eval@v1'])).toBe(false);
    expect(matchesPatternList('proofgate-eval@v1', ['!proofgate-eval@v1', '*'])).toBe(false);
    expect(matchesPatternList('proofgate-approval@v1', ['*', '!proofgate-eval@v1'])).toBe(true);
    expect(matchesPatternList('git', ['!proofgate-*'])).toBe(false);
  });
});

describe('findTrustedKey', () => {
  const at = new Date('2026-06-01T12:00:00Z');

  it('trusts a line without options', () => {
    const entries = parseAllowedSigners(`bob@example.com ${bobKey}\nalice@example.com ${aliceKey}\n`, 'trust');
    const found = findTrustedKey(entries, alice.publicKey, EVAL_NAMESPACE, at);

    expect(found.entry?.line).toBe(2);
    expect(found.reason).toBeUndefined();
  });

  it('returns nothing for unknown keys', () => {
    const entries = parseAllowedSigners(`bob@example.com ${bobKey}\n`, 'trust');

    expect(findTrustedKey(entries, alice.publicKey, EVAL_NAMESPACE, at)).toEqual({});
  });

  it('explains namespace near misses', () => {
    const entries = parseAllowedSigners(`alice@example.com namespaces="*,!proofgate-eval@v1" ${aliceKey}\n`, 'trust');
    const found = findTrustedKey(entries, alice.publicKey, EVAL_NAMESPACE, at);

    expect(found.entry).toBeUndefined();
    expect(found.reason).toContain('trust:1:');
    expect(found.reason).toContain(`not "${EVAL_NAMESPACE}"`);
    expect(findTrustedKey(entries, alice.publicKey, APPROVAL_NAMESPACE, at).entry?.line).toBe(1);
  });

  it('explains validity near misses', () => {
    const future = parseAllowedSigners(`alice@example.com valid-after="20260701Z" ${aliceKey}\n`, 'trust');
    const past = parseAllowedSigners(`alice@example.com valid-before="20260501Z" ${aliceKey}\n`, 'trust');

    expect(findTrustedKey(future, alice.publicKey, EVAL_NAMESPACE, at).reason).toContain('not valid until 2026-07-01T00:00:00.000Z');
    expect(findTrustedKey(past, alice.publicKey, EVAL_NAMESPACE, at).reason).toContain('expired at 2026-05-01T00:00:00.000Z');
  });

  it('includes window boundaries', () => {
    const startsNow = parseAllowedSigners(`alice@example.com valid-after="202606011200Z" ${aliceKey}\n`, 'trust');
    const endsNow = parseAllowedSigners(`alice@example.com valid-before="202606011200Z" ${aliceKey}\n`, 'trust');

    expect(findTrustedKey(startsNow, alice.publicKey, EVAL_NAMESPACE, at).entry?.line).toBe(1);
    expect(findTrustedKey(endsNow, alice.publicKey, EVAL_NAMESPACE, at).entry?.line).toBe(1);
    expect(findTrustedKey(endsNow, alice.publicKey, EVAL_NAMESPACE, new Date(at.getTime() + 1000)).entry).toBeUndefined();
  });

  it('skips cert-authority lines', () => {
    const entries = parseAllowedSigners(`*@example.com cert-authority ${aliceKey}\n`, 'trust');
    const found = findTrustedKey(entries, alice.publicKey, EVAL_NAMESPACE, at);

    expect(found.entry).toBeUndefined();
    expect(found.reason).toContain('cert-authority');
  });

  it('uses a later qualifying line', () => {
    const text = [
      `alice@example.com namespaces="git" ${aliceKey}`,
      `alice@example.com namespaces="proofgate-*",valid-after="20260101Z" ${aliceKey}`,
    ].join('\n');
    const found = findTrustedKey(parseAllowedSigners(text, 'trust'), alice.publicKey, EVAL_NAMESPACE, at);

    expect(found.entry?.line).toBe(2);
  });
});

describe('agreement with ssh-keygen', () => {
  it('matches namespace and time decisions', async () => {
    const dir = await makeTempDir();
    const keyPath = join(dir, 'id');
    const message = join(dir, 'message.txt');

    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'erin', '-f', keyPath]);
    await writeFile(message, 'bundle digest\n');
    await execa('ssh-keygen', ['-Y', 'sign', '-f', keyPath, '-n', EVAL_NAMESPACE, message]);

    const publicLine = (await readFile(`${keyPath}.pub`, 'utf8')).trim();
    const publicKey = parseSshPublicKey(publicLine);
    const optionSets = [
      'namespaces="proofgate-*"',
      'namespaces="git,file"',
      'namespaces="*,!proofgate-eval@v1"',
      'namespaces="proofgate-eval@v?"',
      'valid-after="20260701Z"',
      'valid-before="20260501Z"',
      'valid-after="20260101Z",valid-before="20261231Z"',
    ];

    for (const options of optionSets) {
      const signersFile = join(dir, 'allowed_signers');

      await writeFile(signersFile, `erin@example.com ${options} ${publicLine}\n`);

      const ours = findTrustedKey(await loadTrust(signersFile), publicKey, EVAL_NAMESPACE, new Date('2026-06-01T00:00:00Z'));
      const args = ['-Y', 'verify', '-f', signersFile, '-I', 'erin@example.com', '-n', EVAL_NAMESPACE];
      const theirs = await execa('ssh-keygen', [...args, '-O', 'verify-time=20260601Z', '-s', `${message}.sig`], {
        inputFile: message,
        reject: false,
      });

      expect(ours.entry !== undefined, options).toBe(theirs.exitCode === 0);
    }
  });
});

describe('formatAllowedSignersLine', () => {
  it('round-trips through the parser', () => {
    const line = formatAllowedSignersLine('ci@example.com', alice.publicKey, [EVAL_NAMESPACE]);
    const entry = parseOne(line);

    expect(line).toBe(`ci@example.com namespaces="${EVAL_NAMESPACE}" ${aliceKey}`);
    expect(entry.principals).toEqual(['ci@example.com']);
    expect(entry.namespaces).toEqual([EVAL_NAMESPACE]);
    expect(Buffer.from(entry.publicKey!)).toEqual(Buffer.from(alice.publicKey));
  });

  it('omits empty namespaces', () => {
    expect(formatAllowedSignersLine('ci@example.com', alice.publicKey)).toBe(`ci@example.com ${aliceKey}`);
  });

  it('rejects principals with spaces', () => {
    for (const principal of ['', 'ci user', 'ci"x']) {
      const error = catchError(() => formatAllowedSignersLine(principal, alice.publicKey));

      expect((error as ProofgateError).code, principal).toBe('USAGE');
    }
  });
});

describe('loadTrust', () => {
  it('explains a missing file', async () => {
    const dir = await makeTempDir();
    const file = join(dir, 'allowed_signers');
    const error = await catchRejection(loadTrust(file));

    expect(error).toBeInstanceOf(ProofgateError);
    expect((error as ProofgateError).code).toBe('TRUST_INVALID');
    expect((error as ProofgateError).message).toContain(file);
    expect((error as ProofgateError).message).toContain('proofgate keygen');
  });

  it('parses an existing file', async () => {
    const dir = await makeTempDir();
    const file = join(dir, 'allowed_signers');

    await writeFile(file, `# keys\nalice@example.com ${aliceKey}\n`);

    const entries = await loadTrust(file);

    expect(entries).toHaveLength(1);
    expect(entries[0]?.file).toBe(file);
    expect(entries[0]?.line).toBe(2);
  });
});
