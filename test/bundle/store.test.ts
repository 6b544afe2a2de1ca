import { readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { IN_TOTO_PAYLOAD_TYPE } from '../../src/bundle/dsse.js';
import { canonicalBytes } from '../../src/bundle/jcs.js';
import { generateSigningKey, publicKeyToSshLine, sshFingerprint, type SigningKey } from '../../src/bundle/keys.js';
import { signPayload } from '../../src/bundle/sign.js';
import {
  BUNDLE_FILE_PATTERN,
  bundleFileName,
  listBundleFiles,
  readBundleFile,
  verifyBundleSignatures,
  writeBundleFile,
  type BundleFile,
} from '../../src/bundle/store.js';
import { parseAllowedSigners } from '../../src/bundle/trust.js';
import { ProofgateError } from '../../src/errors.js';
import { catchError, catchRejection, useTempDirs } from './fixtures.js';

const makeTempDir = useTempDirs();
const digest = '0123456789abcdef'.repeat(4);
const at = new Date('2026-06-01T12:00:00Z');

function makeStatement(): BundleFile['statement'] {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'support-answers', digest: { sha256: digest } }],
    predicateType: 'https://proofgate.dev/eval/v1',
    predicate: { verdict: 'pass', metrics: { accuracy: { value: 0.94 } }, cases: [{ id: 'c1', pass: true }] },
  };
}

function makeBundle(keys: SigningKey[]): BundleFile {
  const statement = makeStatement();
  const body = canonicalBytes(statement);

  return {
    bundle: 'proofgate/v1',
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    statement,
    signatures: keys.map((key) => signPayload(IN_TOTO_PAYLOAD_TYPE, body, key)),
  };
}

async function* slowChunks(parts: Array<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) {
    await Promise.resolve();
    yield part;
  }
}

describe('bundleFileName', () => {
  it('formats time and digest', () => {
    const name = bundleFileName(new Date('2026-12-04T15:16:20.987Z'), digest);

    expect(name).toBe('20261204T151620.987Z-0123456789ab.json');
    expect(BUNDLE_FILE_PATTERN.test(name)).toBe(true);
  });

  it('accepts a sha256: prefix', () => {
    expect(bundleFileName(new Date('2026-01-02T03:04:05Z'), `sha256:${digest}`)).toBe('20260102T030405.000Z-0123456789ab.json');
  });

  it('rejects bad input', () => {
    expect(catchError(() => bundleFileName(new Date('nope'), digest))).toBeInstanceOf(RangeError);
    expect(catchError(() => bundleFileName(at, 'ABCDEF0123456789'))).toBeInstanceOf(RangeError);
    expect(catchError(() => bundleFileName(at, '0123'))).toBeInstanceOf(RangeError);
  });
});

describe('listBundleFiles order', () => {
  it('orders runs of one second by milliseconds', async () => {
    const dir = await makeTempDir();
    const later = bundleFileName(new Date('2026-12-04T15:16:20.900Z'), '0'.repeat(64));
    const earlier = bundleFileName(new Date('2026-12-04T15:16:20.100Z'), 'f'.repeat(64));
    await writeBundleFile(dir, later, ['{}']);
    await writeBundleFile(dir, earlier, ['{}']);

    const names = (await listBundleFiles(dir)).map((file) => file.slice(dir.length + 1));

    expect(names).toEqual([earlier, later]);
  });
});

describe('BUNDLE_FILE_PATTERN', () => {
  it('matches only bundle names', () => {
    expect(BUNDLE_FILE_PATTERN.test('20261204T151620Z-0123456789ab-12.json')).toBe(true);
    expect(BUNDLE_FILE_PATTERN.test('20261204T151620.123Z-0123456789ab.json')).toBe(true);
    expect(BUNDLE_FILE_PATTERN.test('20261204T151620Z-0123456789AB.json')).toBe(false);
    expect(BUNDLE_FILE_PATTERN.test('.20261204T151620Z-0123456789ab.json.3f2a.tmp')).toBe(false);
    expect(BUNDLE_FILE_PATTERN.test('20261204T151620Z-0123456789ab.approval.json')).toBe(false);
  });
});

describe('writeBundleFile', () => {
  it('writes mixed chunks', async () => {
    const dir = join(await makeTempDir(), 'proofs', 'support-answers');
    const path = await writeBundleFile(dir, 'a.json', ['{"x":', Buffer.from('"é"'), new Uint8Array([0x7d])]);

    expect(path).toBe(join(dir, 'a.json'));
    expect(await readFile(path, 'utf8')).toBe('{"x":"é"}');
  });

  it('reads async chunks', async () => {
    const dir = await makeTempDir();
    const path = await writeBundleFile(dir, 'b.json', slowChunks(['[1,', '2]']));

    expect(await readFile(path, 'utf8')).toBe('[1,2]');
  });

  it('never overwrites a bundle', async () => {
    const dir = await makeTempDir();
    const name = '20261204T151620Z-0123456789ab.json';
    const first = await writeBundleFile(dir, name, ['first']);
    const second = await writeBundleFile(dir, name, ['second']);
    const third = await writeBundleFile(dir, name, ['third']);

    expect(second).toBe(join(dir, '20261204T151620Z-0123456789ab-1.json'));
    expect(third).toBe(join(dir, '20261204T151620Z-0123456789ab-2.json'));
    expect(await readFile(first, 'utf8')).toBe('first');
    expect(await readFile(second, 'utf8')).toBe('second');
    expect((await readdir(dir)).sort()).toEqual([
      '20261204T151620Z-0123456789ab-1.json',
      '20261204T151620Z-0123456789ab-2.json',
      '20261204T151620Z-0123456789ab.json',
    ]);
  });

  it('removes temp file on failure', async () => {
    const dir = await makeTempDir();

    async function* failing(): AsyncGenerator<string> {
      yield '{"partial":';
      throw new Error('case stream broke');
    }

    const error = await catchRejection(writeBundleFile(dir, 'c.json', failing()));

    expect((error as Error).message).toBe('case stream broke');
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes temp file on bad chunk', async () => {
    const dir = await makeTempDir();
    const error = await catchRejection(writeBundleFile(dir, 'd.json', ['ok', 42 as unknown as string]));

    expect(error).toBeInstanceOf(Error);
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects path-like names', async () => {
    const dir = await makeTempDir();

    for (const name of ['../x.json', 'a/b.json', '.hidden.json', '']) {
      expect(await catchRejection(writeBundleFile(dir, name, ['x'])), name).toBeInstanceOf(RangeError);
    }
  });
});

describe('listBundleFiles', () => {
  it('returns [] for a missing folder', async () => {
    const dir = await makeTempDir();

    expect(await listBundleFiles(join(dir, 'proofs', 'absent'))).toEqual([]);
  });

  it('orders bundles oldest first', async () => {
    const dir = await makeTempDir();
    const names = [
      '20261204T151620Z-0123456789ab-10.json',
      '20261204T151620Z-0123456789ab.json',
      '20250101T000000Z-ffffffffffff.json',
      '20261204T151620Z-0123456789ab-2.json',
      '20261204T151620Z-0123456789ab-1.json',
      'README.md',
      '.20261204T151620Z-0123456789ab.json.abcd.tmp',
      '20261204T151620Z-0123456789ab.alice.approval.json',
    ];

    await Promise.all(names.map((name) => writeFile(join(dir, name), '{}')));

    const listed = await listBundleFiles(dir);

    expect(listed.every((path) => isAbsolute(path))).toBe(true);
    expect(listed.map((path) => path.slice(dir.length + 1))).toEqual([
      '20250101T000000Z-ffffffffffff.json',
      '20261204T151620Z-0123456789ab.json',
      '20261204T151620Z-0123456789ab-1.json',
      '20261204T151620Z-0123456789ab-2.json',
      '20261204T151620Z-0123456789ab-10.json',
    ]);
  });
});

describe('readBundleFile', () => {
  it('reads a written bundle', async () => {
    const dir = await makeTempDir();
    const bundle = makeBundle([generateSigningKey()]);
    const path = await writeBundleFile(dir, bundleFileName(at, digest), [JSON.stringify(bundle, null, 2)]);

    expect(await readBundleFile(path)).toEqual(bundle);
  });

  it('fills a missing keyid', async () => {
    const dir = await makeTempDir();
    const bundle = makeBundle([generateSigningKey()]);
    const raw = { ...bundle, signatures: [{ sig: bundle.signatures[0]!.sig }] };
    const path = await writeBundleFile(dir, 'a.json', [JSON.stringify(raw)]);

    expect((await readBundleFile(path)).signatures).toEqual([{ keyid: '', sig: bundle.signatures[0]!.sig }]);
  });

  it('rejects invalid JSON', async () => {
    const dir = await makeTempDir();
    const path = await writeBundleFile(dir, 'a.json', ['{"bundle":']);
    const error = await catchRejection(readBundleFile(path));

    expect((error as ProofgateError).code).toBe('BUNDLE_INVALID');
    expect((error as ProofgateError).message).toContain(`${path}: it is not valid JSON`);
  });

  it('lists every shape problem', async () => {
    const dir = await makeTempDir();
    const bundle = makeBundle([]);
    const broken = {
      ...bundle,
      bundle: 'proofgate/v2',
      statement: { ...bundle.statement, predicate: [], subject: [{ digest: { sha256: 'ABC' } }] },
      signatures: [{ keyid: 'x' }],
    };
    const path = await writeBundleFile(dir, 'a.json', [JSON.stringify(broken)]);
    const error = (await catchRejection(readBundleFile(path))) as ProofgateError;

    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.message).toContain(`${path}: not a valid proofgate bundle: "bundle" must be "proofgate/v1"`);
    expect(error.details).toHaveLength(4);
    expect(error.details.join('\n')).toContain('statement.predicate');
    expect(error.details.join('\n')).toContain('statement.subject[0].digest.sha256');
    expect(error.details.join('\n')).toContain('signatures[0].sig');
  });

  it('rejects non-object files', async () => {
    const dir = await makeTempDir();
    const path = await writeBundleFile(dir, 'a.json', ['[1,2]']);
    const error = (await catchRejection(readBundleFile(path))) as ProofgateError;

    expect(error.code).toBe('BUNDLE_INVALID');
    expect(error.message).toContain('does not contain a JSON object');
  });
});

describe('verifyBundleSignatures', () => {
  const ci = generateSigningKey();
  const stranger = generateSigningKey();
  const trust = parseAllowedSigners(
    [`ci@example.com namespaces="proofgate-*" ${publicKeyToSshLine(ci.publicKey)}`, `bob@example.com ${publicKeyToSshLine(generateSigningKey().publicKey)}`].join('\n'),
    'allowed_signers',
  );

  async function roundTrip(bundle: BundleFile): Promise<BundleFile> {
    const dir = await makeTempDir();
    const path = await writeBundleFile(dir, bundleFileName(at, digest), [JSON.stringify(bundle, null, 2)]);

    return readBundleFile(path);
  }

  it('accepts a good bundle', async () => {
    const result = verifyBundleSignatures(await roundTrip(makeBundle([ci])), trust, at);

    expect(result.problems).toEqual([]);
    expect(result.trusted).toEqual([{ keyid: sshFingerprint(ci.publicKey), principal: 'ci@example.com' }]);
  });

  it('reports an edited statement', async () => {
    const bundle = makeBundle([ci]);

    bundle.statement.predicate.verdict = 'fail';

    const result = verifyBundleSignatures(await roundTrip(bundle), trust, at);

    expect(result.trusted).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toContain('does not match the statement');
    expect(result.problems[0]).toContain('ci@example.com');
  });

  it('reports an untrusted key', () => {
    const result = verifyBundleSignatures(makeBundle([stranger]), trust, at);

    expect(result.trusted).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toContain(sshFingerprint(stranger.publicKey));
    expect(result.problems[0]).toContain('does not verify with any ed25519 key in the trust file');
  });

  it('reports an unsigned bundle', () => {
    expect(verifyBundleSignatures(makeBundle([]), trust, at)).toEqual({ trusted: [], problems: ['bundle is unsigned'] });
  });

  it('ignores a forged keyid', () => {
    const honest = makeBundle([ci]);
    const mislabelled = { ...honest, signatures: [{ keyid: sshFingerprint(stranger.publicKey), sig: honest.signatures[0]!.sig }] };
    const claimed = makeBundle([stranger]);
    const forged = { ...claimed, signatures: [{ keyid: sshFingerprint(ci.publicKey), sig: claimed.signatures[0]!.sig }] };

    expect(verifyBundleSignatures(mislabelled, trust, at).trusted).toHaveLength(1);
    expect(verifyBundleSignatures(forged, trust, at).trusted).toEqual([]);
    expect(verifyBundleSignatures(forged, trust, at).problems[0]).toContain('does not match the statement');
  });

  it('counts each key once', () => {
    const result = verifyBundleSignatures(makeBundle([ci, ci, stranger]), trust, at);

    expect(result.trusted).toHaveLength(1);
    expect(result.problems).toHaveLength(1);
  });

  it('explains a namespace near miss', () => {
    const gitOnly = parseAllowedSigners(`ci@example.com namespaces="git" ${publicKeyToSshLine(ci.publicKey)}`, 'allowed_signers');
    const result = verifyBundleSignatures(makeBundle([ci]), gitOnly, at);

    expect(result.trusted).toEqual([]);
    expect(result.problems[0]).toContain('not trusted for proofgate-eval@v1');
    expect(result.problems[0]).toContain('allowed_signers:1:');
  });

  it('reports an expired key', () => {
    const expired = parseAllowedSigners(`ci@example.com valid-before="20260101Z" ${publicKeyToSshLine(ci.publicKey)}`, 'allowed_signers');
    const result = verifyBundleSignatures(makeBundle([ci]), expired, at);

    expect(result.trusted).toEqual([]);
    expect(result.problems[0]).toContain('expired at 2026-01-01T00:00:00.000Z');
  });

  it('reports an unexpected payload type', () => {
    const bundle = { ...makeBundle([ci]), payloadType: 'application/json' };
    const result = verifyBundleSignatures(bundle, trust, at);

    expect(result.problems[0]).toContain('payload type is "application/json"');
    expect(result.trusted).toEqual([]);
  });

  it('reports unsafe statement numbers', () => {
    const bundle = makeBundle([ci]);

    bundle.statement.predicate.tokens = 2 ** 60;

    const result = verifyBundleSignatures(bundle, trust, at);

    expect(result.trusted).toEqual([]);
    expect(result.problems[0]).toContain('$.predicate.tokens');
  });
});
