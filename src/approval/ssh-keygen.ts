import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { execa } from 'execa';

import { ProofgateError } from '../errors.js';
import { tryGit } from '../git/git.js';

/** The SSH key a reviewer signs with: a key file, or a public key whose private half is in ssh-agent. */
export type SshSigningKey =
  | { kind: 'file'; path: string; label: string }
  | { kind: 'literal'; publicKey: string; label: string };

const HOW_TO_SET_KEY =
  'Pass --ssh-key ~/.ssh/id_ed25519, or set the key you sign commits with: `git config --global user.signingkey ~/.ssh/id_ed25519.pub` (or `key::ssh-ed25519 AAAA...`). To sign with a proofgate key instead, pass --key FILE.';

/**
 * Finds the reviewer's SSH key: `option` (--ssh-key) when given, else git's
 * `user.signingkey`, which contains a key file path (private, or public with the
 * private key in ssh-agent) or a `key::` public key literal. Git also reads
 * a bare `ssh-…` literal, deprecated, and so does this.
 */
export async function resolveSshSigningKey(option: string | undefined, cwd: string): Promise<SshSigningKey> {
  if (option !== undefined) {
    return requireKeyFile(expandHome(option, cwd), `--ssh-key ${option}`);
  }

  const configured = await tryGit(['config', '--get', 'user.signingkey'], cwd);

  if (configured === undefined || configured === '') {
    throw new ProofgateError('KEY_MISSING', `No SSH key to sign the approval with: neither --ssh-key nor git config user.signingkey is set. ${HOW_TO_SET_KEY}`);
  }

  if (configured.startsWith('key::') || configured.startsWith('ssh-')) {
    return { kind: 'literal', publicKey: configured.replace(/^key::/, ''), label: 'the public key in git config user.signingkey' };
  }

  return requireKeyFile(expandHome(configured, cwd), `git config user.signingkey (${configured})`);
}

/**
 * Signs `message` with `ssh-keygen -Y sign -n <namespace>` and returns the
 * armored signature. ssh-keygen handles passphrases (on the terminal),
 * ssh-agent and hardware keys. The message and any literal public key are
 * written to a private temporary folder that is removed afterwards.
 */
export async function signWithSshKeygen(message: Uint8Array, key: SshSigningKey, namespace: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'proofgate-approve-'));

  try {
    const messageFile = path.join(dir, 'approval.json');
    const keyFile = key.kind === 'file' ? key.path : path.join(dir, 'signing-key.pub');

    if (key.kind === 'literal') {
      await writeFile(keyFile, `${key.publicKey}\n`, { mode: 0o600 });
    }

    await writeFile(messageFile, message, { mode: 0o600 });
    await runSshKeygen(['-Y', 'sign', '-f', keyFile, '-n', namespace, messageFile], key.label);

    return await readFile(`${messageFile}.sig`, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runSshKeygen(args: string[], label: string): Promise<void> {
  const result = await execa('ssh-keygen', args, { reject: false, stdin: 'ignore' });

  // With reject: false, execa returns a failed spawn (ENOENT) as a result too.
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new ProofgateError('KEY_MISSING', 'ssh-keygen was not found on the PATH. Install OpenSSH, whose ssh-keygen signs with -Y sign, or sign with --key FILE.');
  }

  if (result.failed) {
    const reason = describeFailure(String(result.stderr ?? ''), result.exitCode);

    throw new ProofgateError('KEY_INVALID', `ssh-keygen failed to sign with ${label}: ${reason}. Check that the key is an ed25519 key you can unlock, or that ssh-agent has it.`);
  }
}

function describeFailure(stderr: string, exitCode: number | undefined): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');

  if (lines.length > 0) {
    return lines.slice(-2).join(' ');
  }

  return exitCode === undefined ? 'it did not start' : `it exited with code ${exitCode}`;
}

function requireKeyFile(file: string, label: string): SshSigningKey {
  if (!existsSync(file)) {
    throw new ProofgateError('KEY_MISSING', `The SSH key file ${file} from ${label} does not exist. ${HOW_TO_SET_KEY}`);
  }

  return { kind: 'file', path: file, label: file };
}

// Git passes `~/` paths to ssh-keygen with the home folder expanded.
function expandHome(file: string, cwd: string): string {
  if (file === '~' || file.startsWith('~/')) {
    return path.join(os.homedir(), file.slice(1));
  }

  return path.resolve(cwd, file);
}
