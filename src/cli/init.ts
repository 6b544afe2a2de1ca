import { scaffoldProject } from '../init/scaffold.js';
import { createStyle } from '../report/style.js';
import { setExitCode } from './exit.js';
import type { InitCommandOptions } from './program.js';
import { toolVersion } from './version.js';

/** `proofgate init`: writes a starter project into the current folder, skipping every file that exists. */
export async function initCommand(options: InitCommandOptions): Promise<void> {
  const { stderr, stdout, env } = process;
  const style = createStyle(stderr, env);

  const result = await scaffoldProject(process.cwd(), { name: options.name, toolVersion: toolVersion() });

  for (const file of result.written) stderr.write(`proofgate: ${style.green('created')} ${file}\n`);
  for (const file of result.skipped) stderr.write(`proofgate: ${style.yellow('skipped')} ${file} (it exists; init never overwrites files)\n`);

  stderr.write(
    [
      '',
      `Next steps for pipeline ${style.bold(result.name)}:`,
      '  proofgate run                 run the golden dataset and write a bundle under proofs/',
      '  proofgate keygen --principal ci@example.com --trust .proofgate/allowed_signers',
      '                                make a signing key and trust it; store its PEM as the CI secret PROOFGATE_SIGNING_KEY',
      '  edit pipeline/answer.js       call your real pipeline instead of the stub',
      '',
    ].join('\n'),
  );

  if (options.json) stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  setExitCode(0);
}
