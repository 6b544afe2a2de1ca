import { readFile } from 'node:fs/promises';

import { ProofgateError } from '../errors.js';
import { decodeBase64Any } from './dsse.js';
import { fingerprintOfSshBlob, publicKeyFromSshBlob, publicKeyToSshLine, sshBlobKeyType } from './keys.js';

/** The signature namespace of evaluation bundles. */
export const EVAL_NAMESPACE = 'proofgate-eval@v1';

/** The signature namespace of reviewer approvals. */
export const APPROVAL_NAMESPACE = 'proofgate-approval@v1';

/** One key line of an allowed_signers file. */
export interface TrustedKey {
  /** Identity patterns from the first field, such as `alice@example.com` or `*@example.com`. */
  principals: string[];
  /** Namespace patterns from `namespaces="…"`. Absent means every namespace. */
  namespaces?: string[];
  validAfter?: Date;
  validBefore?: Date;
  certAuthority: boolean;
  keyType: string;
  /** The 32-byte key, present only for `ssh-ed25519` lines. */
  publicKey?: Uint8Array;
  /** OpenSSH `SHA256:` fingerprint of the key blob. */
  fingerprint?: string;
  file: string;
  line: number;
}

// Plain key types that OpenSSH 9 accepts in allowed_signers. A token after
// the principals that is not in this set starts the options field.
const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

const TIMESTAMP = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i;

/**
 * Parses git's allowed_signers format (ssh-keygen(1), ALLOWED SIGNERS):
 * `principals [options] keytype base64-key [comment]` per line, skipping blank
 * lines and `#` comments. Throws ProofgateError('TRUST_INVALID') naming
 * `file:line` for the first malformed line.
 */
export function parseAllowedSigners(text: string, file: string): TrustedKey[] {
  const entries: TrustedKey[] = [];
  const lines = text.split(/\r?\n/);

  for (const [index, raw] of lines.entries()) {
    const content = raw.trim();

    if (content === '' || content.startsWith('#')) {
      continue;
    }

    entries.push(parseLine(content, file, index + 1));
  }

  return entries;
}

/** Reads and parses an allowed_signers file. */
export async function loadTrust(file: string): Promise<TrustedKey[]> {
  let text: string;

  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const problem = missing ? 'was not found' : 'could not be read';

    throw new ProofgateError(
      'TRUST_INVALID',
      `The trust file ${file} ${problem}. Create it with one line per trusted key, \`<principal> ssh-ed25519 <base64 key>\`. \`proofgate keygen\` prints the line to add for a new key.`,
      { cause: error },
    );
  }

  return parseAllowedSigners(text, file);
}

/**
 * Formats the allowed_signers line that trusts `publicKey` for `principal`,
 * limited to `namespaces` when given (for example [EVAL_NAMESPACE]).
 */
export function formatAllowedSignersLine(principal: string, publicKey: Uint8Array, namespaces?: readonly string[]): string {
  if (principal === '' || /[\s"]/.test(principal)) {
    throw new ProofgateError('USAGE', `The principal "${principal}" must be non-empty, without spaces or quotes, such as ci@example.com.`);
  }

  const options = namespaces === undefined || namespaces.length === 0 ? '' : ` namespaces="${namespaces.join(',')}"`;

  return `${principal}${options} ${publicKeyToSshLine(publicKey)}`;
}

/**
 * Finds a line that trusts `publicKey` for `namespace` at time `at`: the line
 * is not `cert-authority`, its namespaces (if any) match, and `at` lies within
 * valid-after and valid-before (both inclusive, as ssh-keygen checks them).
 * When the key is listed but no line qualifies, `reason` explains why.
 */
export function findTrustedKey(
  entries: TrustedKey[],
  publicKey: Uint8Array,
  namespace: string,
  at: Date,
): { entry?: TrustedKey; reason?: string } {
  const target = Buffer.from(publicKey);
  const nearMisses: string[] = [];

  for (const entry of entries) {
    if (entry.publicKey === undefined || !target.equals(entry.publicKey)) {
      continue;
    }

    const problem = describeRejection(entry, namespace, at);

    if (problem === undefined) {
      return { entry };
    }

    nearMisses.push(`${entry.file}:${entry.line}: ${problem}`);
  }

  return nearMisses.length === 0 ? {} : { reason: nearMisses.join('; ') };
}

function describeRejection(entry: TrustedKey, namespace: string, at: Date): string | undefined {
  if (entry.certAuthority) {
    return 'the key is listed as a cert-authority, and proofgate does not accept SSH certificates';
  }

  if (entry.namespaces !== undefined && !matchesPatternList(namespace, entry.namespaces)) {
    return `the key is trusted only for namespaces "${entry.namespaces.join(',')}", not "${namespace}"`;
  }

  if (entry.validAfter !== undefined && at < entry.validAfter) {
    return `the key is not valid until ${entry.validAfter.toISOString()}`;
  }

  if (entry.validBefore !== undefined && at > entry.validBefore) {
    return `the key expired at ${entry.validBefore.toISOString()}`;
  }

  return undefined;
}

type Fail = (problem: string) => ProofgateError;

function parseLine(content: string, file: string, line: number): TrustedKey {
  const fail: Fail = (problem) =>
    new ProofgateError('TRUST_INVALID', `${file}:${line}: ${problem}. Expected \`principals [options] keytype base64-key [comment]\`.`);

  const fields = splitFields(content, fail);
  const [keyType, encodedKey] = fields.keyFields;

  if (keyType === undefined || encodedKey === undefined) {
    throw fail(describeMissingKey(fields.options));
  }

  if (!KEY_TYPES.has(keyType)) {
    throw fail(`unknown key type "${keyType}"`);
  }

  const entry: TrustedKey = {
    principals: parsePrincipals(fields.principals, fail),
    certAuthority: false,
    keyType,
    file,
    line,
  };

  if (fields.options !== undefined) {
    applyOptions(entry, fields.options, fail);
  }

  return { ...entry, ...decodeKey(keyType, encodedKey, fail) };
}

function describeMissingKey(options: string | undefined): string {
  // "alice ssh-foo AAAA…" reads as options "ssh-foo" followed by one field.
  if (options !== undefined && !/[=",]/.test(options) && options.toLowerCase() !== 'cert-authority') {
    return `unknown key type or option "${options}"`;
  }

  return 'the line has no key type and base64 key after the principals';
}

/**
 * Splits a line into the principals, the options (absent when a known key type
 * follows the principals) and the whitespace-separated rest. Only the options
 * field may contain spaces, inside double quotes.
 */
function splitFields(content: string, fail: Fail): { principals: string; options?: string; keyFields: string[] } {
  const [principals = '', afterPrincipals = ''] = splitFirst(content);
  const [next = ''] = splitFirst(afterPrincipals);

  if (afterPrincipals === '') {
    return { principals, keyFields: [] };
  }

  if (KEY_TYPES.has(next)) {
    return { principals, keyFields: afterPrincipals.split(/\s+/) };
  }

  const optionsEnd = findUnquotedSpace(afterPrincipals);

  if (optionsEnd === undefined) {
    throw fail('a double quote in the options is never closed');
  }

  return {
    principals,
    options: afterPrincipals.slice(0, optionsEnd),
    keyFields: afterPrincipals.slice(optionsEnd).trim().split(/\s+/).filter((field) => field !== ''),
  };
}

function splitFirst(text: string): [string, string] {
  const match = /\s+/.exec(text);

  return match === null ? [text, ''] : [text.slice(0, match.index), text.slice(match.index + match[0].length)];
}

// Returns the index of the first whitespace outside double quotes (the text
// length when there is none), or undefined when a quote is left open.
function findUnquotedSpace(text: string): number | undefined {
  let quoted = false;

  for (let index = 0; index < text.length; index++) {
    const char = text.charAt(index);

    if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && /\s/.test(char)) {
      return index;
    }
  }

  return quoted ? undefined : text.length;
}

function parsePrincipals(field: string, fail: Fail): string[] {
  const principals = field.split(',');

  if (principals.some((principal) => principal === '')) {
    throw fail(`the principals field "${field}" has an empty entry`);
  }

  return principals;
}

function applyOptions(entry: TrustedKey, field: string, fail: Fail): void {
  const seen = new Set<string>();

  for (const option of splitOptions(field)) {
    const separator = option.indexOf('=');
    const name = (separator === -1 ? option : option.slice(0, separator)).toLowerCase();
    const value = separator === -1 ? undefined : unquote(option.slice(separator + 1), name, fail);

    if (seen.has(name)) {
      throw fail(`option "${name}" is given twice`);
    }

    seen.add(name);
    applyOption(entry, name, value, fail);
  }

  if (entry.validAfter !== undefined && entry.validBefore !== undefined && entry.validBefore <= entry.validAfter) {
    throw fail('valid-before is not later than valid-after');
  }
}

function applyOption(entry: TrustedKey, name: string, value: string | undefined, fail: Fail): void {
  if (name === 'cert-authority') {
    if (value !== undefined) {
      throw fail('option "cert-authority" takes no value');
    }

    entry.certAuthority = true;
    return;
  }

  if (value === undefined) {
    throw fail(`unknown option or key type "${name}"`);
  }

  if (name === 'namespaces') {
    entry.namespaces = parseNamespaces(value, fail);
  } else if (name === 'valid-after') {
    entry.validAfter = parseTimestamp(value, name, fail);
  } else if (name === 'valid-before') {
    entry.validBefore = parseTimestamp(value, name, fail);
  } else {
    throw fail(`unknown option "${name}". allowed_signers supports cert-authority, namespaces, valid-after and valid-before`);
  }
}

function splitOptions(field: string): string[] {
  const options: string[] = [];
  let current = '';
  let quoted = false;

  for (const char of field) {
    if (char === '"') {
      quoted = !quoted;
    }

    if (char === ',' && !quoted) {
      options.push(current);
      current = '';
      continue;
    }

    current += char;
  }

  options.push(current);

  return options;
}

// ssh-keygen requires the double quotes, but proofgate also accepts a bare
// value without commas or spaces.
function unquote(value: string, name: string, fail: Fail): string {
  if (!value.startsWith('"')) {
    return value;
  }

  if (value.length < 2 || !value.endsWith('"') || value.slice(1, -1).includes('"')) {
    throw fail(`the quoted value of option "${name}" is malformed`);
  }

  return value.slice(1, -1);
}

function parseNamespaces(value: string, fail: Fail): string[] {
  const patterns = splitPatternList(value);

  if (patterns.length === 0) {
    throw fail('option "namespaces" is empty');
  }

  return patterns;
}

/**
 * Parses YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]. As in ssh-keygen, the time is
 * local unless it ends in Z, and a bare date means 00:00:00 of that day.
 */
function parseTimestamp(value: string, name: string, fail: Fail): Date {
  const match = TIMESTAMP.exec(value);
  const invalid = (): ProofgateError => fail(`option "${name}" has the invalid time "${value}". Use YYYYMMDD[Z] or YYYYMMDDHHMM[SS][Z]`);

  if (match === null) {
    throw invalid();
  }

  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? '0'));
  const utc = match[7] !== '';

  if (!isValidTime(year!, month!, day!, hour!, minute!, second!)) {
    throw invalid();
  }

  return utc
    ? new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!))
    : new Date(year!, month! - 1, day!, hour!, minute!, second!);
}

function isValidTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();

  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}

function decodeKey(
  keyType: string,
  encoded: string,
  fail: Fail,
): Pick<TrustedKey, 'publicKey' | 'fingerprint'> {
  let blob: Buffer;

  try {
    blob = decodeBase64Any(encoded);
  } catch {
    throw fail(`the ${keyType} key is not valid base64`);
  }

  if (sshBlobKeyType(blob) !== keyType) {
    throw fail(`the key data does not contain a ${keyType} key`);
  }

  if (keyType !== 'ssh-ed25519') {
    return { fingerprint: fingerprintOfSshBlob(blob) };
  }

  try {
    return { publicKey: publicKeyFromSshBlob(blob), fingerprint: fingerprintOfSshBlob(blob) };
  } catch {
    throw fail('the ssh-ed25519 key data is not 32 key bytes');
  }
}

/** Splits an ssh pattern list on commas and, unlike ssh, drops spaces around each pattern. */
export function splitPatternList(list: string): string[] {
  return list
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
}

/**
 * Matches `value` against an ssh pattern list (ssh_config(5), PATTERNS): `*`
 * and `?` are wildcards, and a pattern starting with `!` excludes the values it
 * matches even when another pattern includes them.
 */
export function matchesPatternList(value: string, patterns: readonly string[]): boolean {
  let included = false;

  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');

    if (!patternToRegExp(negated ? pattern.slice(1) : pattern).test(value)) {
      continue;
    }

    if (negated) {
      return false;
    }

    included = true;
  }

  return included;
}

function patternToRegExp(pattern: string): RegExp {
  const body = [...pattern].map(patternCharToRegExp).join('');

  return new RegExp(`^${body}$`, 'su');
}

function patternCharToRegExp(char: string): string {
  if (char === '*') {
    return '.*';
  }

  if (char === '?') {
    return '.';
  }

  return /[.+^${}()|[\]\\/*?]/.test(char) ? `\\${char}` : char;
}
