import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { toDsseEnvelope, toSigstoreBundle } from '../bundle/export.js';
import { readBundleFile } from '../bundle/store.js';
import { EXIT } from '../errors.js';
import { locateProofs, resolveBundleRef } from '../history/locate.js';
import { setExitCode } from './exit.js';
import type { ExportCommandOptions } from './program.js';

/** `proofgate export BUNDLE`: writes the bundle as a DSSE envelope or a Sigstore bundle to stdout or --output. */
export async function exportCommand(ref: string, options: ExportCommandOptions): Promise<void> {
  const cwd = process.cwd();
  const file = await resolveBundleRef(ref, cwd, await locateProofs(cwd, options.proofsDir));
  const bundle = await readBundleFile(file);

  const exported = options.format === 'sigstore' ? toSigstoreBundle(bundle, options.keyid) : toDsseEnvelope(bundle, options.keyid);
  const text = `${JSON.stringify(exported, null, 2)}\n`;

  if (options.output === undefined) {
    process.stdout.write(text);
  } else {
    await writeFile(path.resolve(cwd, options.output), text);
    process.stderr.write(`wrote ${options.format === 'sigstore' ? 'Sigstore bundle' : 'DSSE envelope'} ${options.output}\n`);
  }

  setExitCode(EXIT.ok);
}
