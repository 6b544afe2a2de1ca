import { lookupField } from '../template.js';
import type { DatasetSpec, SkipRule } from './types.js';

/**
 * Tells whether a record is not a case: it lacks a field listed in `require`
 * (null counts as present), or it matches a `skipIf` rule. Field names are dotted paths.
 */
export function isSkipped(record: Record<string, unknown>, spec: Pick<DatasetSpec, 'require' | 'skipIf'>): boolean {
  if (spec.require.some((field) => lookupField(record, field) === undefined)) return true;

  return spec.skipIf.some((rule) => matchesRule(record, rule));
}

/**
 * Checks one rule, which matches when all of its conditions are true. A rule
 * with neither `exists` nor `equals` matches when the field exists, because
 * `{ field: prompt }` reads as "skip records that have this field".
 */
function matchesRule(record: Record<string, unknown>, rule: SkipRule): boolean {
  const value = lookupField(record, rule.field);
  const hasEquals = Object.prototype.hasOwnProperty.call(rule, 'equals');
  const exists = rule.exists ?? (hasEquals ? undefined : true);

  if (exists !== undefined && (value !== undefined) !== exists) return false;
  if (hasEquals && !deepEqual(value, rule.equals)) return false;

  return true;
}

/** Compares JSON-like values structurally; key order does not matter. */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;

  const leftRecord = left as Record<string, unknown>;
  const rightRecord = right as Record<string, unknown>;
  const leftKeys = Object.keys(leftRecord);
  if (leftKeys.length !== Object.keys(rightRecord).length) return false;

  return leftKeys.every(
    (key) => Object.prototype.hasOwnProperty.call(rightRecord, key) && deepEqual(leftRecord[key], rightRecord[key]),
  );
}
