import path from 'node:path';

import { EVAL_PREDICATE_TYPE } from '../bundle/statement.js';
import { readBundleFile } from '../bundle/store.js';
import { diffBundles } from '../compare/diff.js';
import { renderDiffMarkdown } from '../compare/markdown.js';
import { EXIT, ProofgateError } from '../errors.js';
import { locateProofs, resolveBundleRef } from '../history/locate.js';
import { setExitCode } from './exit.js';
import type { DiffCommandOptions } from './program.js';

/** `proofgate diff A B`: prints what changed from bundle A to bundle B, as Markdown or JSON, on stdout. */
export async function diffCommand(from: string, to: string, options: DiffCommandOptions): Promise<void> {
  const cwd = process.cwd();
  const location = await locateProofs(cwd, options.proofsDir);

  const sides = await Promise.all(
    [from, to].map(async (ref) => {
      const file = await resolveBundleRef(ref, cwd, location);
      return { path: path.relative(location.root, file).split(path.sep).join('/'), bundle: await readEvaluation(file) };
    }),
  );

  const diff = await diffBundles(sides[0] as (typeof sides)[0], sides[1] as (typeof sides)[0]);
  process.stdout.write(options.json ? `${JSON.stringify(diff, null, 2)}\n` : renderDiffMarkdown(diff));
  setExitCode(EXIT.ok);
}

async function readEvaluation(file: string) {
  const bundle = await readBundleFile(file);

  if (bundle.statement.predicateType !== EVAL_PREDICATE_TYPE) {
    throw new ProofgateError('BUNDLE_INVALID', `${file} is not an evaluation bundle (its predicateType is ${bundle.statement.predicateType}); pass bundles from proofs/<name>/.`);
  }

  return bundle;
}
