import { describe, expect, it } from 'vitest';
import { caseOutcomesFromJson, caseOutcomesOf, compareRuns, type CaseOutcome } from '../../src/compare/cases.js';

const baseline: CaseOutcome[] = [
  { id: 'a', pass: true },
  { id: 'b', pass: true },
  { id: 'c', pass: false },
  { id: 'd', pass: false },
  { id: 'gone', pass: true },
];

const current: CaseOutcome[] = [
  { id: 'a', pass: true },
  { id: 'b', pass: false },
  { id: 'c', pass: true },
  { id: 'd', pass: false },
  { id: 'new', pass: false },
];

async function* stream(items: CaseOutcome[]): AsyncGenerator<CaseOutcome> {
  for (const item of items) yield item;
}

describe('compareRuns', () => {
  it('lists flips, additions and removals', async () => {
    const result = await compareRuns(current, baseline);
    expect(result).toEqual({
      flippedToFail: ['b'],
      flippedToPass: ['c'],
      added: ['new'],
      removed: ['gone'],
      unchanged: 2,
      counts: { flippedToFail: 1, flippedToPass: 1, added: 1, removed: 1 },
    });
  });

  it('accepts async iterables', async () => {
    const result = await compareRuns(stream(current), stream(baseline));
    expect(result.flippedToFail).toEqual(['b']);
    expect(result.unchanged).toBe(2);
  });

  it('caps lists but not counts', async () => {
    const before = Array.from({ length: 10 }, (_, index) => ({ id: `case-${index}`, pass: true }));
    const after = before.map((item) => ({ ...item, pass: false }));

    const result = await compareRuns(after, before, { limit: 3 });
    expect(result.flippedToFail).toEqual(['case-0', 'case-1', 'case-2']);
    expect(result.counts.flippedToFail).toBe(10);
  });

  it('counts a repeated id once', async () => {
    const result = await compareRuns(
      [{ id: 'a', pass: false }, { id: 'a', pass: true }, { id: 'x', pass: true }, { id: 'x', pass: true }],
      [{ id: 'a', pass: true }],
    );
    expect(result.flippedToFail).toEqual(['a']);
    expect(result.unchanged).toBe(0);
    expect(result.added).toEqual(['x']);
  });

  it('treats a disjoint run as added', async () => {
    const result = await compareRuns([{ id: 'x', pass: true }], [{ id: 'y', pass: true }]);
    expect(result.added).toEqual(['x']);
    expect(result.removed).toEqual(['y']);
    expect(result.unchanged).toBe(0);
  });
});

describe('case outcome readers', () => {
  it('reads predicate cases', () => {
    const predicate = { cases: [{ id: '1', pass: true, scores: {} }, { id: 2, pass: true }, null, { id: '3', pass: 'yes' }, { id: '4', pass: false }] };
    expect([...caseOutcomesOf(predicate)]).toEqual([
      { id: '1', pass: true },
      { id: '4', pass: false },
    ]);
    expect([...caseOutcomesOf({})]).toEqual([]);
  });

  it('reads spooled JSON chunks', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"id":"1","pass":true,"latency_ms":3}');
      yield Buffer.from('{"id":"2","pass":false}');
    }

    const outcomes: CaseOutcome[] = [];
    for await (const outcome of caseOutcomesFromJson(chunks())) outcomes.push(outcome);
    expect(outcomes).toEqual([
      { id: '1', pass: true },
      { id: '2', pass: false },
    ]);
  });
});
