import { describe, expect, it } from 'vitest';
import { canonicalBytes, sha256Hex } from '../../src/bundle/jcs.js';
import type { BundleFile } from '../../src/bundle/store.js';
import { baselineMetrics, compareWithBaseline, metricValuesOf } from '../../src/compare/baseline.js';
import { evaluateGates } from '../../src/gates/evaluate.js';
import { parseGate } from '../../src/gates/parse.js';

function bundleWith(predicate: Record<string, unknown>): BundleFile {
  return {
    bundle: 'proofgate/v1',
    payloadType: 'application/vnd.in-toto+json',
    statement: {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'faq', digest: { sha256: 'a'.repeat(64) } }],
      predicateType: 'https://proofgate.dev/attestation/eval/v1',
      predicate,
    },
    signatures: [],
  };
}

const baseline = bundleWith({
  pipeline: { name: 'faq', version: 'a'.repeat(64) },
  metrics: { accuracy: { value: 0.9, samples: 4, expression: 'mean(exact)' }, cost: { value: null, samples: 0 }, bogus: { value: 'x' } },
  cases: [
    { id: '1', pass: true },
    { id: '2', pass: true },
    { id: '3', pass: false },
    { id: '4', pass: true },
  ],
  finishedAt: '2025-01-01T00:00:00.000Z',
});

describe('compareWithBaseline', () => {
  it('records bundle, deltas and flips', async () => {
    const result = await compareWithBaseline(
      { path: 'proofs/faq/old.json', bundle: baseline },
      {
        metrics: { accuracy: { value: 0.75 } },
        cases: [
          { id: '1', pass: true },
          { id: '2', pass: false },
          { id: '3', pass: true },
          { id: '5', pass: true },
        ],
      },
    );

    expect(result.bundle).toEqual({
      path: 'proofs/faq/old.json',
      statementSha256: sha256Hex(canonicalBytes(baseline.statement)),
      version: 'a'.repeat(64),
      finishedAt: '2025-01-01T00:00:00.000Z',
    });
    expect(result.metrics.accuracy).toEqual({ value: 0.75, baseline: 0.9, delta: -0.15 });
    expect(result.cases.flippedToFail).toEqual(['2']);
    expect(result.cases.flippedToPass).toEqual(['3']);
    expect(result.cases.added).toEqual(['5']);
    expect(result.cases.removed).toEqual(['4']);
  });

  it('caps case lists', async () => {
    const many = bundleWith({ cases: Array.from({ length: 250 }, (_, index) => ({ id: String(index), pass: true })) });
    const current = Array.from({ length: 250 }, (_, index) => ({ id: String(index), pass: false }));

    const result = await compareWithBaseline({ path: 'b.json', bundle: many }, { metrics: {}, cases: current });
    expect(result.cases.flippedToFail).toHaveLength(100);
    expect(result.cases.counts.flippedToFail).toBe(250);
    expect(result.bundle.version).toBeNull();
  });
});

describe('baselineMetrics', () => {
  it('feeds relative gates', () => {
    expect(metricValuesOf(baseline.statement.predicate)).toEqual({ accuracy: { value: 0.9 }, cost: { value: null } });

    const gate = parseGate('accuracy >= baseline - 0.05', 0);
    const [result] = evaluateGates([gate], { accuracy: { value: 0.86, samples: 4 } }, baselineMetrics(baseline));
    expect(result?.passed).toBe(true);
    expect(result?.threshold).toBe(0.85);
  });
});
