import { CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { reportFailure, setExitCode } from './exit.js';
import { buildProgram } from './program.js';

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
    setExitCode(reportFailure(error, { stdout: process.stdout, stderr: process.stderr }, process.env));
  }
}

await main();
