import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

const XSD = path.join(REPO_ROOT, 'test', 'fixtures', 'junit', 'junit.xsd');

/** Validates a JUnit file with xmllint against the XSD kept in the tests; `output` holds xmllint's messages. */
export function validateJunit(file: string): { valid: boolean; output: string } {
  const result = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  if (result.error) throw new Error(`xmllint is not installed (Debian: apt-get install libxml2-utils): ${result.error.message}`);
  return { valid: result.status === 0, output: `${result.stdout}${result.stderr}` };
}
