import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKey, publicKeyToSshLine, sshFingerprint, writeKeyPair } from '../bundle/keys.js';
import { EVAL_NAMESPACE } from '../bundle/trust.js';
import type { KeygenCommandOptions } from './program.js';

/** `proofgate keygen`: a new ed25519 key pair and the allowed_signers line that trusts it for evaluations. */
export async function keygenCommand(options: KeygenCommandOptions): Promise<void> {
  const out = path.resolve(process.cwd(), options.out);
  await mkdir(path.dirname(out), { recursive: true });
  if (path.basename(path.dirname(out)) === '.proofgate') await ignorePrivateKeys(path.dirname(out));

  const key = generateSigningKey();
  const { privatePath, publicPath } = await writeKeyPair(out, key, options.principal);
  const allowedSigners = `${options.principal} namespaces="${EVAL_NAMESPACE}" ${publicKeyToSshLine(key.publicKey, options.principal)}`;
  const fingerprint = sshFingerprint(key.publicKey);

  if (options.trust) {
    const trustFile = path.resolve(process.cwd(), options.trust);
    await mkdir(path.dirname(trustFile), { recursive: true });
    await appendFile(trustFile, `${allowedSigners}\n`);
  }

  const { stderr } = process;
  stderr.write(`proofgate: wrote private key ${path.relative(process.cwd(), privatePath)} (mode 0600; keep it secret, e.g. as a CI secret PROOFGATE_SIGNING_KEY)\n`);
  stderr.write(`proofgate: wrote public key ${path.relative(process.cwd(), publicPath)} (${fingerprint})\n`);
  stderr.write(options.trust
    ? `proofgate: added the key to ${options.trust}\n`
    : 'Add this line to .proofgate/allowed_signers to trust the key for evaluations:\n');
  stderr.write(`${allowedSigners}\n`);

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ privateKey: privatePath, publicKey: publicPath, fingerprint, allowedSigners }, null, 2)}\n`);
  }
}

// A private key written to the default .proofgate/ folder must not be committed by accident.
async function ignorePrivateKeys(dir: string): Promise<void> {
  const ignoreFile = path.join(dir, '.gitignore');
  const existing = await readFile(ignoreFile, 'utf8').catch(() => undefined);
  if (existing === undefined) await writeFile(ignoreFile, '# private signing keys written by proofgate keygen\n*.pem\n');
}
