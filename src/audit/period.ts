// The --since/--until window of `proofgate audit`.

import { ProofgateError } from '../errors.js';

/** A half-open time window: `since` is included, `until` is not. Either end may be open. */
export interface AuditPeriod {
  since?: Date;
  until?: Date;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const MS_PER_DAY = 86_400_000;

/**
 * Parses the two options. A date (YYYY-MM-DD) means that whole UTC day, so
 * `--until 2025-03-31` includes March 31. A timestamp without an offset is
 * read as UTC. Throws ProofgateError('USAGE') for anything else, and when
 * the window is empty.
 */
export function parsePeriod(since: string | undefined, until: string | undefined): AuditPeriod {
  const period: AuditPeriod = {};
  if (since !== undefined) period.since = parseBound('--since', since, false);
  if (until !== undefined) period.until = parseBound('--until', until, true);

  if (period.since !== undefined && period.until !== undefined && period.since >= period.until) {
    throw new ProofgateError('USAGE', `--since ${since} is not before --until ${until}, so no bundle can be in the period.`);
  }

  return period;
}

/** Tells whether an ISO time lies in the period; an unparsable time lies in no bounded period. */
export function inPeriod(time: string, period: AuditPeriod): boolean {
  if (period.since === undefined && period.until === undefined) return true;

  const at = Date.parse(time);
  if (Number.isNaN(at)) return false;

  return (period.since === undefined || at >= period.since.getTime()) && (period.until === undefined || at < period.until.getTime());
}

function parseBound(option: string, text: string, isEnd: boolean): Date {
  const day = DAY.exec(text);
  if (day !== null) {
    const start = checkedDate(option, text, `${text}T00:00:00Z`, day);
    return isEnd ? new Date(start.getTime() + MS_PER_DAY) : start;
  }

  const stamp = TIMESTAMP.exec(text);
  if (stamp === null) throw invalidDate(option, text);

  const zone = stamp[8] === undefined ? 'Z' : stamp[8].toUpperCase();
  const normalized = `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6] ?? '00'}${stamp[7] ?? ''}${zone}`;
  return checkedDate(option, text, normalized, stamp);
}

// Date.parse rolls 2025-02-30 over to March 2, so the fields are compared back.
function checkedDate(option: string, text: string, normalized: string, fields: RegExpExecArray): Date {
  const date = new Date(normalized);
  const [, year, month, day, hour = '00', minute = '00'] = fields;

  const valid =
    !Number.isNaN(date.getTime()) &&
    Number(month) >= 1 && Number(month) <= 12 &&
    Number(day) >= 1 && Number(day) <= daysInMonth(Number(year), Number(month)) &&
    Number(hour) <= 23 && Number(minute) <= 59;

  if (!valid) throw invalidDate(option, text);
  return date;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function invalidDate(option: string, text: string): ProofgateError {
  return new ProofgateError('USAGE', `${option} "${text}" is not a date: use YYYY-MM-DD (a whole UTC day) or an ISO 8601 timestamp such as 2025-03-01T12:00:00Z.`);
}
