import { Command, InvalidArgumentError, Option } from 'commander';
import { parseShard } from '../dataset/select.js';
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
  junit?: string;
  commentFile?: string;
  shard?: { index: number; count: number };
  /** False with --no-cache. */
  cache?: boolean;
  cacheDir?: string;
  baseline?: string;
  trust?: string;
  trustRef?: string;
}

export interface MergeCommandOptions {
  json?: boolean;
  junit?: string;
  commentFile?: string;
  key?: string;
  requireSignature?: boolean;
  trust?: string;
  allowUnsigned?: boolean;
  pipeline?: string;
  proofsDir?: string;
  baseline?: string;
  trustRef?: string;
}

export interface InitCommandOptions {
  json?: boolean;
  name?: string;
}

export interface ValidateCommandOptions {
  json?: boolean;
}

export interface VerifyCommandOptions {
  json?: boolean;
  pipeline?: string;
  trust?: string;
  requireApproval?: boolean;
  trustRef?: string;
}

export interface ApproveCommandOptions {
  json?: boolean;
  comment?: string;
  sshKey?: string;
  key?: string;
  principal?: string;
  fromGithubEvent?: string;
}

export interface RollbackCommandOptions {
  to?: string;
  commit?: boolean;
  force?: boolean;
  key?: string;
  trust?: string;
  trustRef?: string;
  json?: boolean;
}

export interface KeygenCommandOptions {
  json?: boolean;
  out: string;
  principal: string;
  trust?: string;
}

export interface DiffCommandOptions {
  json?: boolean;
  proofsDir?: string;
}

export interface LogCommandOptions {
  json?: boolean;
  limit?: number;
  proofsDir?: string;
  trust?: string;
  trustRef?: string;
}

export interface AuditCommandOptions {
  since?: string;
  until?: string;
  format: 'md' | 'csv' | 'json';
  json?: boolean;
  proofsDir?: string;
  trust?: string;
  trustRef?: string;
}

export interface ExportCommandOptions {
  format: 'dsse' | 'sigstore';
  output?: string;
  keyid?: string;
  proofsDir?: string;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a whole number of at least 1.');
  }
  return Number(value);
}

function shardArgument(value: string): { index: number; count: number } {
  try {
    return parseShard(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
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
    .option('--junit <file>', 'also write a JUnit XML report: one test case per dataset case and per gate')
    .option('--comment-file <file>', 'also write a Markdown pull-request comment (or GitLab merge-request note) body')
    .option('--shard <i/n>', 'run shard I of N (cases split by id) and write a signed partial result for `proofgate merge`; exits 0 once it finished', shardArgument)
    .option('--cache-dir <dir>', 'response cache folder (default: .proofgate/cache at the project root)')
    .option('--no-cache', 'call the target for every case, neither reading nor writing the response cache')
    .option('--baseline <bundle>', 'bundle that relative gates and deltas compare with: auto (newest passing, approved), none, a bundle path or a version', 'auto')
    .option('--trust <file>', 'allowed_signers file for checking the baseline (default: approval.trust in pipeline.yaml, else .proofgate/allowed_signers)')
    .option('--trust-ref <ref>', 'read the trust file and approval policy for the baseline as committed at this git reference, e.g. origin/main')
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
    .option('--trust <file>', 'allowed_signers file (default: approval.trust in pipeline.yaml, else .proofgate/allowed_signers at the project root)')
    .option('--require-approval', 'with --pipeline: also require the approvals of the approval policy (1 when pipeline.yaml has no approval block)')
    .option('--trust-ref <ref>', 'read the trust file and the approval policy as committed at this git reference, e.g. origin/main')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (bundles: string[], options: VerifyCommandOptions) => {
      const { verifyCommand } = await import('./verify.js');
      await verifyCommand(bundles, options);
    });

  program
    .command('approve')
    .description('sign an approval of a passing bundle, written to its own file beside the bundle')
    .argument('<bundle>', 'evaluation bundle file to approve')
    .option('--comment <text>', 'a note recorded in the approval')
    .option('--ssh-key <file>', 'SSH key for `ssh-keygen -Y sign` (a private key, or a .pub whose key is in ssh-agent); default: git config user.signingkey')
    .option('--key <file>', 'sign with an ed25519 proofgate key (PKCS#8 PEM) instead of an SSH key; with --from-github-event, the CI key (default: $PROOFGATE_SIGNING_KEY)')
    .option('--principal <name>', 'approver identity; must match your key\'s line in the trust file (default: git config user.email)')
    .option('--from-github-event <file>', 'record the approving pull_request_review in this GitHub event file ($GITHUB_EVENT_PATH), signed by the CI key')
    .option('--json', 'print the approval file, principal and key as JSON on stdout')
    .action(async (bundle: string, options: ApproveCommandOptions) => {
      const { approveCommand } = await import('./approve.js');
      await approveCommand(bundle, options);
    });

  program
    .command('rollback')
    .description('restore an earlier signed, passing, approved version of a pipeline from git and record the rollback')
    .argument('<name>', 'pipeline name (its bundles are in proofs/<name>/)')
    .requiredOption('--to <target>', 'version digest or a prefix of 7+ hex digits, a bundle file, or "previous"')
    .option('--commit', 'commit the restored files and the rollback record')
    .option('--force', 'proceed although tracked files have uncommitted changes')
    .option('--key <file>', 'ed25519 private key (PKCS#8 PEM) to sign the record with; default: $PROOFGATE_SIGNING_KEY')
    .option('--trust <file>', 'allowed_signers file (default: the trust: of the target\'s approval block, else .proofgate/allowed_signers at the project root)')
    .option('--trust-ref <ref>', 'read the trust file as committed at this git reference, e.g. origin/main')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (name: string, options: RollbackCommandOptions) => {
      const { rollbackCommand } = await import('./rollback.js');
      await rollbackCommand(name, options);
    });

  program
    .command('merge')
    .description('combine the partial results of `run --shard` into one signed bundle, with metrics and gates as one run')
    .argument('<parts...>', 'shard result files, one per shard (proofs/<name>/shards/*.json)')
    .option('--key <file>', 'ed25519 private key (PKCS#8 PEM) to sign the bundle with; default: $PROOFGATE_SIGNING_KEY')
    .option('--require-signature', 'exit 2 before merging when no signing key is available')
    .option('--trust <file>', 'allowed_signers file the parts must be signed by (default: .proofgate/allowed_signers at the project root)')
    .option('--allow-unsigned', 'accept parts that carry no signature (signed parts must still verify)')
    .option('--pipeline <file>', 'pipeline file (default: the path recorded in the parts)')
    .option('--proofs-dir <dir>', 'folder for bundles (default: proofs/ at the project root)')
    .option('--json', 'print a machine-readable summary on stdout (people output stays on stderr)')
    .option('--junit <file>', 'also write a JUnit XML report: one test case per dataset case and per gate')
    .option('--comment-file <file>', 'also write a Markdown pull-request comment (or GitLab merge-request note) body')
    .option('--baseline <bundle>', 'bundle that relative gates and deltas compare with: auto, none, a bundle path or a version', 'auto')
    .option('--trust-ref <ref>', 'read the trust file and approval policy for the baseline as committed at this git reference')
    .action(async (parts: string[], options: MergeCommandOptions) => {
      const { mergeCommand } = await import('./merge.js');
      await mergeCommand(parts, options);
    });

  program
    .command('init')
    .description('create pipeline.yaml, a small golden dataset, a stub pipeline and CI workflow files in the current folder')
    .option('--name <name>', 'pipeline name (default: the folder name as a lower-case id)')
    .option('--json', 'print the written and skipped files as JSON on stdout')
    .action(async (options: InitCommandOptions) => {
      const { initCommand } = await import('./init.js');
      await initCommand(options);
    });

  program
    .command('diff')
    .description('show what changed between two bundles: config by YAML path, files, dataset, metric deltas, flipped cases')
    .argument('<from>', 'older bundle: a file, or a version digest or prefix of 7+ hex digits')
    .argument('<to>', 'newer bundle, in the same forms')
    .option('--json', 'print the diff as JSON instead of Markdown')
    .option('--proofs-dir <dir>', 'folder searched for versions (default: proofs/ at the project root)')
    .action(async (from: string, to: string, options: DiffCommandOptions) => {
      const { diffCommand } = await import('./diff.js');
      await diffCommand(from, to, options);
    });

  program
    .command('log')
    .description('list bundles newest first: time, version, verdict, gated metrics, approvers, commit')
    .argument('[name]', 'pipeline name (default: every pipeline under proofs/)')
    .option('--limit <n>', 'show at most N bundles', positiveInteger)
    .option('--json', 'print the entries as JSON on stdout')
    .option('--proofs-dir <dir>', 'folder holding the <name>/ bundle folders (default: proofs/ at the project root)')
    .option('--trust <file>', 'allowed_signers file for checking approvals (default: .proofgate/allowed_signers at the project root)')
    .option('--trust-ref <ref>', 'read the trust file as committed at this git reference, e.g. origin/main')
    .action(async (name: string | undefined, options: LogCommandOptions) => {
      const { logCommand } = await import('./log.js');
      await logCommand(name, options);
    });

  program
    .command('audit')
    .description('report every bundle in a period with its signatures, approvals and rollbacks, and check the previous-bundle chain')
    .option('--since <date>', 'first day or time included: YYYY-MM-DD or an ISO 8601 timestamp (UTC unless it has an offset)')
    .option('--until <date>', 'last day included (YYYY-MM-DD), or the time up to which bundles are included')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'csv', 'json']).default('md'))
    .option('--json', 'same as --format json')
    .option('--proofs-dir <dir>', 'folder holding the <name>/ bundle folders (default: proofs/ at the project root)')
    .option('--trust <file>', 'allowed_signers file (default: .proofgate/allowed_signers at the project root)')
    .option('--trust-ref <ref>', 'read the trust file as committed at this git reference, e.g. origin/main')
    .action(async (options: AuditCommandOptions) => {
      const { auditCommand } = await import('./audit.js');
      await auditCommand(options);
    });

  program
    .command('export')
    .description('convert a bundle to a standard DSSE envelope or a Sigstore bundle (v0.3) for outside verifiers')
    .argument('<bundle>', 'bundle file, or a version digest or prefix of 7+ hex digits')
    .addOption(new Option('--format <format>', 'output format').choices(['dsse', 'sigstore']).default('dsse'))
    .option('--output <file>', 'write to FILE instead of stdout')
    .option('--keyid <keyid>', 'keep only the signature with this keyid (a Sigstore bundle contains exactly one)')
    .option('--proofs-dir <dir>', 'folder searched for versions (default: proofs/ at the project root)')
    .action(async (bundle: string, options: ExportCommandOptions) => {
      const { exportCommand } = await import('./export.js');
      await exportCommand(bundle, options);
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
