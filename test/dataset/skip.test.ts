import { describe, expect, test } from 'vitest';

import { deepEqual, isSkipped } from '../../src/dataset/index.js';
import type { SkipRule } from '../../src/dataset/types.js';

const rules = (skipIf: SkipRule[], require: string[] = []) => ({ require, skipIf });

describe('isSkipped', () => {
  test('require skips missing field', () => {
    expect(isSkipped({ question: 'q' }, rules([], ['answer']))).toBe(true);
    expect(isSkipped({ question: 'q', answer: 1 }, rules([], ['answer']))).toBe(false);
  });

  test('require counts null present', () => {
    expect(isSkipped({ answer: null }, rules([], ['answer']))).toBe(false);
  });

  test('require follows dotted paths', () => {
    expect(isSkipped({ meta: { gold: 'x' } }, rules([], ['meta.gold']))).toBe(false);
    expect(isSkipped({ meta: {} }, rules([], ['meta.gold']))).toBe(true);
  });

  test('exists true skips present', () => {
    const spec = rules([{ field: 'prompt', exists: true }]);
    expect(isSkipped({ prompt: 'few-shot text' }, spec)).toBe(true);
    expect(isSkipped({ question: 'q' }, spec)).toBe(false);
  });

  test('exists false skips absent', () => {
    const spec = rules([{ field: 'answer', exists: false }]);
    expect(isSkipped({ question: 'q' }, spec)).toBe(true);
    expect(isSkipped({ answer: 0 }, spec)).toBe(false);
  });

  test('bare field means exists', () => {
    const spec = rules([{ field: 'prompt' }]);
    expect(isSkipped({ prompt: '' }, spec)).toBe(true);
    expect(isSkipped({ question: 'q' }, spec)).toBe(false);
  });

  test('equals compares deeply', () => {
    const spec = rules([{ field: 'meta', equals: { kind: 'header', tags: ['a'] } }]);
    expect(isSkipped({ meta: { tags: ['a'], kind: 'header' } }, spec)).toBe(true);
    expect(isSkipped({ meta: { kind: 'header', tags: ['b'] } }, spec)).toBe(false);
  });

  test('equals null matches null', () => {
    const spec = rules([{ field: 'answer', equals: null }]);
    expect(isSkipped({ answer: null }, spec)).toBe(true);
    expect(isSkipped({}, spec)).toBe(false);
  });

  test('equals is type strict', () => {
    const spec = rules([{ field: 'split', equals: 1 }]);
    expect(isSkipped({ split: '1' }, spec)).toBe(false);
    expect(isSkipped({ split: 1 }, spec)).toBe(true);
  });

  test('conditions in one rule combine', () => {
    const spec = rules([{ field: 'kind', exists: true, equals: 'header' }]);
    expect(isSkipped({ kind: 'header' }, spec)).toBe(true);
    expect(isSkipped({ kind: 'case' }, spec)).toBe(false);
  });

  test('any rule skips', () => {
    const spec = rules([{ field: 'prompt' }, { field: 'kind', equals: 'header' }]);
    expect(isSkipped({ kind: 'header' }, spec)).toBe(true);
    expect(isSkipped({ prompt: 'x' }, spec)).toBe(true);
    expect(isSkipped({ kind: 'case' }, spec)).toBe(false);
  });
});

describe('deepEqual', () => {
  test.each([
    [1, 1, true],
    ['1', 1, false],
    [null, null, true],
    [null, {}, false],
    [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    [{ a: 1 }, { a: 1, b: undefined }, false],
  ])('%j vs %j', (left, right, expected) => {
    expect(deepEqual(left, right)).toBe(expected);
  });
});
