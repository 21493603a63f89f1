/**
 * Where a CLI writes and what it knows about its terminal, passed in so that tests run the CLIs in-process and
 * read what they printed.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr is a terminal: progress bars go there. */
  interactive: boolean;
  /** Directory relative paths in arguments and in reports are taken from. */
  cwd: string;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    interactive: process.stderr.isTTY === true,
    cwd: process.cwd(),
  };
}

/** Collects output in memory (tests). */
export function memoryIo(cwd = process.cwd()): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    interactive: false,
    cwd,
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}
