import { describe, expect, it } from 'vitest';
import { inPeriod, parsePeriod } from '../../src/audit/period.js';
import { ProofgateError } from '../../src/errors.js';

function usageError(since: string | undefined, until: string | undefined): ProofgateError {
  try {
    parsePeriod(since, until);
  } catch (error) {
    if (error instanceof ProofgateError) return error;
    throw error;
  }
  throw new Error('expected a ProofgateError');
}

describe('parsePeriod', () => {
  it('reads whole UTC days', () => {
    const period = parsePeriod('2025-03-01', '2025-03-31');
    expect(period.since?.toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(period.until?.toISOString()).toBe('2025-04-01T00:00:00.000Z');
  });

  it('reads timestamps with offsets', () => {
    expect(parsePeriod('2025-03-01T12:30:00+02:00', undefined).since?.toISOString()).toBe('2025-03-01T10:30:00.000Z');
    expect(parsePeriod('2025-03-01T12:30', undefined).since?.toISOString()).toBe('2025-03-01T12:30:00.000Z');
    expect(parsePeriod(undefined, '2025-03-01T12:30:05.250Z').until?.toISOString()).toBe('2025-03-01T12:30:05.250Z');
  });

  it('rejects invalid dates', () => {
    for (const text of ['2025-02-30', '2025-13-01', 'yesterday', '03/01/2025', '2025-03-01T25:00Z', '']) {
      const error = usageError(text, undefined);
      expect(error.code).toBe('USAGE');
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(`--since "${text}" is not a date`);
    }
  });

  it('rejects an empty window', () => {
    expect(usageError('2025-03-02', '2025-03-01').message).toMatch(/is not before --until/);
  });

  it('leaves open ends open', () => {
    expect(parsePeriod(undefined, undefined)).toEqual({});
  });
});

describe('inPeriod', () => {
  const march = parsePeriod('2025-03-01', '2025-03-31');

  it('includes both named days', () => {
    expect(inPeriod('2025-03-01T00:00:00.000Z', march)).toBe(true);
    expect(inPeriod('2025-03-31T23:59:59.999Z', march)).toBe(true);
  });

  it('excludes times outside', () => {
    expect(inPeriod('2025-02-28T23:59:59.999Z', march)).toBe(false);
    expect(inPeriod('2025-04-01T00:00:00.000Z', march)).toBe(false);
    expect(inPeriod('not a time', march)).toBe(false);
    expect(inPeriod('not a time', {})).toBe(true);
  });
});
