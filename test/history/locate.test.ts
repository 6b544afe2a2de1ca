import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProofgateError } from '../../src/errors.js';
import { listPipelineNames, locateProofs, resolveBundleRef, type ProofsLocation } from '../../src/history/locate.js';
import { createProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
let location: ProofsLocation;

// Unsigned bundles are enough: resolving reads only the subject digest.
function bundleText(version: string): string {
  return JSON.stringify({
    bundle: 'proofgate/v1',
    payloadType: 'application/vnd.in-toto+json',
    statement: { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: version } }], predicateType: 'p', predicate: {} },
    signatures: [],
  });
}

const ONE = `abcdef1${'1'.repeat(57)}`;
const TWO = `abcdef1${'2'.repeat(57)}`;
const THREE = `0123456${'3'.repeat(57)}`;

beforeEach(async () => {
  project = createProject({
    [`proofs/alpha/20250101T000000Z-${ONE.slice(0, 12)}.json`]: bundleText(ONE),
    [`proofs/beta/20250102T000000Z-${TWO.slice(0, 12)}.json`]: bundleText(TWO),
    [`proofs/beta/20250103T000000Z-${THREE.slice(0, 12)}.json`]: bundleText(THREE),
    [`proofs/beta/20250104T000000Z-${THREE.slice(0, 12)}.json`]: bundleText(THREE),
    'proofs/empty/readme.txt': 'not a bundle',
  });
  location = await locateProofs(project.dir);
});

afterEach(() => project.remove());

async function usageError(ref: string): Promise<ProofgateError> {
  const error = await resolveBundleRef(ref, project.dir, location).catch((caught: unknown) => caught);
  if (!(error instanceof ProofgateError)) throw new Error(`expected a ProofgateError for ${ref}`);
  return error;
}

describe('resolveBundleRef', () => {
  it('returns an existing file', async () => {
    const file = `proofs/alpha/20250101T000000Z-${ONE.slice(0, 12)}.json`;
    expect(await resolveBundleRef(file, project.dir, location)).toBe(project.path(file));
  });

  it('picks the newest bundle of a version', async () => {
    expect(await resolveBundleRef(THREE.slice(0, 7), project.dir, location)).toBe(project.path(`proofs/beta/20250104T000000Z-${THREE.slice(0, 12)}.json`));
    expect(await resolveBundleRef(`sha256:${THREE}`, project.dir, location)).toMatch(/20250104T000000Z/);
  });

  it('tells versions apart beyond 12 digits', async () => {
    expect(await resolveBundleRef(ONE.slice(0, 20), project.dir, location)).toMatch(/alpha/);
    expect(await resolveBundleRef(TWO.slice(0, 20).toUpperCase(), project.dir, location)).toMatch(/beta/);
  });

  it('rejects an ambiguous prefix', async () => {
    const error = await usageError('abcdef1');
    expect(error.code).toBe('USAGE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('version prefix abcdef1 is ambiguous: it matches 2 versions; give more digits.');
    expect(error.details).toEqual([ONE.slice(0, 16), TWO.slice(0, 16)]);
  });

  it('rejects short or unknown references', async () => {
    expect((await usageError('abcdef')).message).toContain('is neither a bundle file nor a version');
    expect((await usageError('fffffff')).message).toContain('no bundle in proofs has a version starting with fffffff');
  });
});

describe('listPipelineNames', () => {
  it('lists folders with bundles', async () => {
    expect(await listPipelineNames(location.proofsDir)).toEqual(['alpha', 'beta']);
    expect(await listPipelineNames(project.path('missing'))).toEqual([]);
  });
});
