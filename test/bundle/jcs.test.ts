import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';

import { ProofgateError } from '../../src/errors.js';
import { canonicalBytes, canonicalJson, sha256Hex } from '../../src/bundle/jcs.js';
import { catchError, readVectorLines, readVectorText } from './fixtures.js';

interface FileVector {
  name: string;
  input: string;
  expected: string;
  expected_hex: string;
  expected_sha256: string;
}

interface NumberCase {
  ieee754_hex: string;
  expected: string | null;
  error?: string;
}

interface EdgeCase {
  name: string;
  expected?: string;
  expected_error?: boolean;
}

function doubleFromHex(hex: string): number {
  return Buffer.from(hex.padStart(16, '0'), 'hex').readDoubleBE(0);
}

function isUnsafeInteger(value: number): boolean {
  return Number.isInteger(value) && !Number.isSafeInteger(value);
}

function expectUnsafe(value: unknown, path: string): ProofgateError {
  const error = catchError(() => canonicalJson(value));

  expect(error).toBeInstanceOf(ProofgateError);
  expect((error as ProofgateError).code).toBe('UNSAFE_NUMBER');
  expect((error as ProofgateError).message).toContain(` ${path}:`);

  return error as ProofgateError;
}

describe('canonicalJson vectors', () => {
  it('matches cyberphone file vectors', async () => {
    const vectors = await readVectorLines<FileVector>('jcs.jsonl');

    expect(vectors).toHaveLength(6);

    for (const vector of vectors) {
      const value: unknown = JSON.parse(vector.input);

      // "values" contains 1E30, an integer beyond 2^53-1 that signing rejects;
      // the serializer underneath must still produce the vector's output.
      if (vector.name === 'values') {
        expectUnsafe(value, '$.numbers[1]');
        expect(canonicalize(value)).toBe(vector.expected);
        continue;
      }

      const bytes = canonicalBytes(value);

      expect(canonicalJson(value), vector.name).toBe(vector.expected);
      expect(bytes.toString('hex'), vector.name).toBe(vector.expected_hex);
      expect(sha256Hex(bytes), vector.name).toBe(vector.expected_sha256);
    }
  });

  it('formats es6 number vectors', async () => {
    const text = await readVectorText('jcs-numbers-es6-1000.csv');
    const rows = text.trim().split('\n');
    let formatted = 0;
    let rejected = 0;

    expect(sha256Hex(text)).toBe('be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687');

    for (const row of rows) {
      const [hex = '', expected = ''] = row.split(',');
      const value = doubleFromHex(hex);

      if (isUnsafeInteger(value)) {
        expectUnsafe(value, '$');
        expect(canonicalize(value), hex).toBe(expected);
        rejected++;
      } else {
        expect(canonicalJson(value), hex).toBe(expected);
        formatted++;
      }
    }

    expect(rows).toHaveLength(1000);
    expect(formatted).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(10);
  });

  it('handles curated number cases', async () => {
    const cases = await readVectorLines<NumberCase>('jcs-number-cases.jsonl');
    const rejections = cases.filter((entry) => entry.error !== undefined);

    expect(rejections.map((entry) => entry.ieee754_hex)).toEqual(['7fffffffffffffff', '7ff0000000000000']);

    for (const entry of cases) {
      const value = doubleFromHex(entry.ieee754_hex);

      if (entry.error !== undefined) {
        expectUnsafe({ value }, '$.value');
      } else if (isUnsafeInteger(value)) {
        expectUnsafe({ value }, '$.value');
        expect(canonicalize(value), entry.ieee754_hex).toBe(entry.expected);
      } else {
        expect(canonicalJson(value), entry.ieee754_hex).toBe(entry.expected);
      }
    }
  });

  it('follows js edge vectors', async () => {
    const cases = await readVectorLines<EdgeCase>('jcs-js-edge.jsonl');
    // The vector file records what the npm packages do; proofgate is stricter
    // for the two cases where JSON.stringify silently changes the value.
    const values: Record<string, unknown> = {
      'minus zero': -0,
      NaN: Number.NaN,
      Infinity: Number.POSITIVE_INFINITY,
      'undefined member dropped': { a: undefined, b: 1 },
      'lone surrogate': '\ud800',
      'key order by UTF-16 code units': { '\ud83d\ude02': 1, '\ufb33': 2 },
      'nested sort': { b: [3, { z: 1, a: 2 }], a: 'x' },
      BigInt: 10n,
      '1e21': 1e21,
      '1e-7': 1e-7,
    };
    const stricter: Record<string, [unknown, string]> = {
      'undefined in array': [[undefined, 1], '$[0]'],
      'Date via toJSON': [{ d: new Date(0) }, '$.d'],
    };

    expect(cases.map((entry) => entry.name).sort()).toEqual([...Object.keys(values), ...Object.keys(stricter)].sort());

    for (const entry of cases) {
      const strict = stricter[entry.name];

      if (strict !== undefined) {
        expectUnsafe(strict[0], strict[1]);
        continue;
      }

      const value = values[entry.name];

      if (entry.expected_error === true || isUnsafeInteger(value as number)) {
        expectUnsafe(value, '$');
      } else {
        expect(canonicalJson(value), entry.name).toBe(entry.expected);
      }
    }
  });
});

describe('canonicalJson rejections', () => {
  it('names path of NaN', () => {
    const statement = { predicate: { metrics: { accuracy: { value: Number.NaN } } } };
    const error = expectUnsafe(statement, '$.predicate.metrics.accuracy.value');

    expect(error.message).toContain('NaN');
  });

  it('rejects infinities in arrays', () => {
    expectUnsafe({ cases: [{ score: 1 }, { score: 2 }, { score: Number.POSITIVE_INFINITY }] }, '$.cases[2].score');
    expectUnsafe([Number.NEGATIVE_INFINITY], '$[0]');
  });

  it('rejects integers beyond 2^53-1', () => {
    expectUnsafe({ tokens: 2 ** 53 }, '$.tokens');
    expectUnsafe({ tokens: -(2 ** 53) }, '$.tokens');
    expectUnsafe({ big: 1e300 }, '$.big');

    expect(canonicalJson({ tokens: 2 ** 53 - 1 })).toBe('{"tokens":9007199254740991}');
    expect(canonicalJson({ tokens: -(2 ** 53 - 1) })).toBe('{"tokens":-9007199254740991}');
    expect(canonicalJson({ small: 1.5e300 / 1e300 })).toBe('{"small":1.5}');
  });

  it('rejects BigInt values', () => {
    expectUnsafe({ usage: { tokens: 12n } }, '$.usage.tokens');
  });

  it('rejects lone surrogates', () => {
    expectUnsafe({ output: 'ok \udc00' }, '$.output');
    expectUnsafe({ ['key\ud800']: 1 }, '$["key\\ud800"]');

    expect(canonicalJson({ emoji: '\ud83d\ude02' })).toBe('{"emoji":"😂"}');
  });

  it('rejects non-JSON values', () => {
    class Score {
      value = 1;
    }

    expectUnsafe({ run: () => 1 }, '$.run');
    expectUnsafe({ tag: Symbol('x') }, '$.tag');
    expectUnsafe({ when: new Date(0) }, '$.when');
    expectUnsafe({ map: new Map() }, '$.map');
    expectUnsafe({ score: new Score() }, '$.score');
    expectUnsafe(undefined, '$');
  });

  it('rejects holes and undefined items', () => {
    // eslint-disable-next-line no-sparse-arrays
    expectUnsafe({ list: [1, , 3] }, '$.list[1]');
    expectUnsafe({ list: [undefined] }, '$.list[0]');
  });

  it('rejects circular references', () => {
    const node: Record<string, unknown> = { name: 'a' };

    node.self = { inner: node };

    expectUnsafe(node, '$.self.inner');
  });

  it('quotes unusual member names', () => {
    expectUnsafe({ 'exact match': { 'p-95': Number.NaN } }, '$["exact match"]["p-95"]');
  });
});

describe('canonicalJson accepted values', () => {
  it('drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
  });

  it('accepts null-prototype objects', () => {
    const value = Object.assign(Object.create(null) as Record<string, unknown>, { z: 1, a: [true, null] });

    expect(canonicalJson(value)).toBe('{"a":[true,null],"z":1}');
  });

  it('allows shared non-circular objects', () => {
    const shared = { x: 1 };

    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('hashes strings as UTF-8', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('é')).toBe(sha256Hex(Buffer.from([0xc3, 0xa9])));
  });
});
