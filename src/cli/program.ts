import { Command, InvalidArgumentError, Option } from 'commander';
import { toolVersion } from './version.js';

export interface RunCommandOptions {
  json?: boolean;
  concurrency?: number;
  sample?: number;
  seed?: string;
  key?: string;
  requireSignature?: boolean;
  proofsDir?: string;
  progress?: boolean;
}

export interface ValidateCommandOptions {
  json?: boolean;
}

export interface VerifyCommandOptions {
  json?: boolean;
  pipeline?: string;
  trust?: string;
}

export interface KeygenCommandOptions {
  json?: boolean;
  out: string;
  principal: string;
  trust?: string;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a whole number of at least 1.');
  }
  return Number(value);
}

/**
 * Declares every command and option once. Each action imports its command
 * module only when it runs, so `proofgate --version` stays fast.
 */
export function buildProgram(): Command {
  const program = new Command('proofgate')
    .description('Evaluate an LLM pipeline against a golden dataset, gate the build on thresholds, and sign a proof bundle.')
    .version(toolVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('run')
    .description('run every case, score, gate, and write a signed proof bundle')
    .argument('[pipeline]', 'pipeline file', 'pipeline.yaml')
    .option('--json', 'print a machine-readable summary on stdout (people output stays on stderr)')
    .option('--concurrency <n>', 'cases in flight at once (overrides concurrency: in the file)', positiveInteger)
    .option('--sample <n>', 'run a deterministic subset of N cases, chosen by case id', positiveInteger)
    .option('--seed <seed>', 'seed for --sample (default "0")')
    .option('--key <file>', 'ed25519 private key (PKCS#8 PEM) to sign with; default: $PROOFGATE_SIGNING_KEY')
    .option('--require-signature', 'exit 2 before running when no signing key is available')
    .option('--proofs-dir <dir>', 'folder for bundles (default: proofs/ at the project root)')
    .option('--no-progress', 'do not show progress')
    .action(async (pipeline: string, options: RunCommandOptions) => {
      const { runCommand } = await import('./run.js');
      await runCommand(pipeline, options);
    });

  program
    .command('validate')
    .description('check pipeline.yaml, its files and the dataset without calling the target')
    .argument('[pipeline]', 'pipeline file', 'pipeline.yaml')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (pipeline: string, options: ValidateCommandOptions) => {
      const { validateCommand } = await import('./validate.js');
      await validateCommand(pipeline, options);
    });

  program
    .command('verify')
    .description('check bundle signatures against trusted keys and the working tree against the bundle')
    .argument('[bundles...]', 'bundle files to verify')
    .option('--pipeline <file>', 'verify the newest passing bundle for the working tree\'s version of this pipeline')
    .option('--trust <file>', 'allowed_signers file (default: .proofgate/allowed_signers at the project root)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (bundles: string[], options: VerifyCommandOptions) => {
      const { verifyCommand } = await import('./verify.js');
      await verifyCommand(bundles, options);
    });

  program
    .command('keygen')
    .description('create an ed25519 signing key pair')
    .addOption(new Option('--out <file>', 'private key file; the public key goes to FILE.pub').default('.proofgate/signing-key.pem'))
    .addOption(new Option('--principal <name>', 'identity for the allowed_signers line').default('proofgate-ci'))
    .option('--trust <file>', 'also append the allowed_signers line to this file')
    .option('--json', 'print the paths, fingerprint and allowed_signers line as JSON on stdout')
    .action(async (options: KeygenCommandOptions) => {
      const { keygenCommand } = await import('./keygen.js');
      await keygenCommand(options);
    });

  return program;
}
