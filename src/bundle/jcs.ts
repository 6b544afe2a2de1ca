import { createHash } from 'node:crypto';

import canonicalize from 'canonicalize';

import { ProofgateError } from '../errors.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

// In a /u regex a surrogate pair reads as one code point, so only a lone
// surrogate matches the Surrogate category.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Serializes `value` as RFC 8785 canonical JSON (the `canonicalize` package),
 * after checking that every part of it survives a JSON round trip unchanged.
 *
 * Throws ProofgateError('UNSAFE_NUMBER') naming the JSON path for NaN,
 * ±Infinity, integers beyond ±(2^53-1), BigInt, lone UTF-16 surrogates,
 * undefined array items, cycles, and anything that is not null, a boolean,
 * a number, a string, a plain object or an array. Object members whose value
 * is undefined are dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  assertJsonSafe(value, '$', new Set());

  const text = canonicalize(value);

  // The walk above rejects every input for which the package returns undefined.
  if (text === undefined) {
    throw unsafe('$', 'has no JSON representation');
  }

  return text;
}

/** Encodes canonicalJson(value) as UTF-8. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** Returns the lowercase hex SHA-256 of `data`, hashing a string as UTF-8. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function assertJsonSafe(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'string':
      assertWellFormed(value, path, 'a string with a lone UTF-16 surrogate');
      return;
    case 'number':
      assertSafeNumber(value, path);
      return;
    case 'bigint':
      throw unsafe(path, 'is a BigInt, which JSON numbers cannot hold exactly; convert it to a string');
    case 'undefined':
      throw unsafe(path, 'is undefined, which JSON cannot hold');
    case 'function':
    case 'symbol':
      throw unsafe(path, `is a ${typeof value}, which JSON cannot hold`);
  }

  if (value === null) {
    return;
  }

  assertContainer(value as object, path, ancestors);
}

function assertSafeNumber(value: number, path: string): void {
  if (Number.isNaN(value)) {
    throw unsafe(path, 'is NaN, which JSON cannot hold');
  }

  if (!Number.isFinite(value)) {
    throw unsafe(path, `is ${value}, which JSON cannot hold`);
  }

  // Above 2^53-1 neighbouring integers share one double, so the value that a
  // reader parses back may not be the integer the writer meant.
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw unsafe(path, `is ${value}, an integer beyond ±(2^53-1) that a double cannot hold exactly; record it as a string`);
  }
}

function assertContainer(value: object, path: string, ancestors: Set<object>): void {
  if (ancestors.has(value)) {
    throw unsafe(path, 'refers back to one of its own parents (a circular reference)');
  }

  ancestors.add(value);

  if (Array.isArray(value)) {
    assertArrayItems(value, path, ancestors);
  } else if (isPlainObject(value)) {
    assertObjectMembers(value, path, ancestors);
  } else {
    throw unsafe(path, `is a ${describeObject(value)}; only plain objects and arrays can be signed`);
  }

  ancestors.delete(value);
}

function assertArrayItems(items: unknown[], path: string, ancestors: Set<object>): void {
  // An index loop also visits holes of a sparse array, which read as undefined.
  for (let index = 0; index < items.length; index++) {
    assertJsonSafe(items[index], `${path}[${index}]`, ancestors);
  }
}

function assertObjectMembers(object: Record<string, unknown>, path: string, ancestors: Set<object>): void {
  for (const key of Object.keys(object)) {
    const memberPath = appendKey(path, key);
    const member = object[key];

    assertWellFormed(key, memberPath, 'a member name with a lone UTF-16 surrogate');

    if (member !== undefined) {
      assertJsonSafe(member, memberPath, ancestors);
    }
  }
}

function assertWellFormed(text: string, path: string, description: string): void {
  if (LONE_SURROGATE.test(text)) {
    throw unsafe(path, `is ${description}, which is not valid Unicode (RFC 7493)`);
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);

  return prototype === Object.prototype || prototype === null;
}

function describeObject(value: object): string {
  const name: unknown = value.constructor?.name;

  return typeof name === 'string' && name !== '' ? `${name} instance` : 'non-plain object';
}

function appendKey(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function unsafe(path: string, problem: string): ProofgateError {
  return new ProofgateError('UNSAFE_NUMBER', `Cannot canonicalize the value at ${path}: it ${problem}.`);
}
