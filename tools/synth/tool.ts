import type { Command } from 'commander';
import { isEscuchaError } from '../../services/platform/errors.ts';

/** Runs a dev tool's command line: an EscuchaError is printed as `<tool>: CODE: message`, with exit status 1. */
export async function runTool(program: Command, argv: string[] = process.argv): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (isEscuchaError(error)) console.error(`${program.name()}: ${error.code}: ${error.message}`);
    else console.error(`${program.name()}: unexpected error:`, error);
    process.exitCode = 1;
  }
}
