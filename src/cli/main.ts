import { CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { failureDocument, reportFailure, setExitCode } from './exit.js';
import { buildProgram } from './program.js';

// `proofgate verify | head -1` closes the pipe early; that must not turn into a crash or change the exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message; help and --version are not failures.
      const benign = ['commander.helpDisplayed', 'commander.version'].includes(error.code);
      setExitCode(benign ? EXIT.ok : EXIT.invalidInput);
      return;
    }
    const exitCode = reportFailure(error, { stdout: process.stdout, stderr: process.stderr }, process.env);
    setExitCode(exitCode);
    // A CI step that parses --json output gets a document on failure too.
    if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(failureDocument(error, exitCode), null, 2)}\n`);
  }
}

await main();
