/**
 * Runs a commander program and turns every outcome into an exit code, without calling `process.exit`: 0 clean,
 * 1 a finding that fails the check, 2 bad usage or input (with a message saying what to fix). The CLIs here build
 * their program with `buildProgram(io)` and are run the same way from their entry file and from tests.
 */
import { Command, CommanderError } from "commander";
import type { CliIo } from "./io";

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

/** What an action reports back: its exit code. */
export interface ExitState {
  code: number;
}

/** Wraps an action so that its returned exit code is kept, and commander reports through `io`. */
export function withExitCode<A extends unknown[]>(
  state: ExitState,
  action: (...args: A) => number | Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    state.code = await action(...args);
  };
}

/** Applies to the program and every subcommand: throw instead of exiting, print through `io`. */
export function configureForIo(program: Command, io: CliIo): Command {
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(text),
    });
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/** Parses `argv` (user arguments only) and runs the action; resolves with the exit code. */
export async function runProgram(program: Command, state: ExitState, argv: string[], io: CliIo): Promise<number> {
  configureForIo(program, io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return state.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    io.stderr(`error: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
}

/** The entry file's last line: run with the process's arguments and set its exit code. */
export function main(run: (argv: string[]) => Promise<number>): void {
  run(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
