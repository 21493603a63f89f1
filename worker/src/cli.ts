// Command-line entry point (`npm run worker -- <command>`, and the container's entrypoint).
// `buildProgram` builds the commander program for one invocation and `runCli` runs it and resolves
// with the exit code, so tests run the CLI in-process; only the entry point below calls process.exit.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { Logger } from "pino";
import { resetCommand } from "./commands/reset";
import { statusCommand } from "./commands/status";
import { syncCommand } from "./commands/sync";
import { consumeCommand } from "./commands/consume";
import { describeDotEnv, loadDotEnv } from "./config/dotenv";
import {
  ConfigError,
  DEFAULT_CONCURRENCY,
  MAX_CONCURRENCY,
  loadConfig,
  type CliSwitches,
  type ConfigSources,
  type WorkerConfig,
} from "./config/load";
import { splitSiteIds } from "./config/site-ids";
import { WORKER_EXIT as EXIT } from "./contract";
import { createLogger } from "./runtime/logger";
import { createMissingResources, createServices, type Services } from "./runtime/services";
import { LeaseHeldError } from "./stores/errors";

/** What one invocation reads and writes. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly logger: Logger;
  /** Variables that came from a `.env` file, so that messages can say so. */
  readonly sources?: ConfigSources;
}

function siteOption(): Option {
  return new Option("--site <id>", "SharePoint site id, one of SYNC_SITE_IDS (required when it names several)");
}
function graphAuthOption(): Option {
  return new Option(
    "--graph-auth <mode>",
    "Graph credential: auto (federation / az login) or none (loopback emulator only)",
  )
    .choices(["auto", "none"])
    .default("auto");
}
function createMissingOption(): Option {
  return new Option("--create-missing", "create the tables and bucket if absent (loopback endpoints only)");
}
function concurrencyOption(): Option {
  return new Option(
    "--concurrency <n>",
    `items processed in parallel within a page, 1-${MAX_CONCURRENCY} (default SYNC_CONCURRENCY or ${DEFAULT_CONCURRENCY})`,
  ).argParser((value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number");
    return value;
  });
}

/** A whole number of seconds, for --max-duration, --idle-exit and --visibility. */
function wholeSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number of seconds");
  return Number(value);
}

function maxDurationOption(): Option {
  return new Option(
    "--max-duration <seconds>",
    "run for a bounded chunk: after this many seconds, stop at the next durable page and exit 3 if work is left (0: one page)",
  ).argParser(wholeSeconds);
}

/**
 * The configuration, or undefined after printing every problem ONCE, human-readable, on stderr. The
 * JSON log line is added only where logs go to a machine (stdout is not a terminal) or at debug level.
 */
function configOrReport(switches: CliSwitches, io: CliIo): WorkerConfig | undefined {
  try {
    return loadConfig(io.env, switches, io.sources);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`${err.message}\n`);
    if (io.stdout.isTTY !== true || io.logger.isLevelEnabled("debug"))
      io.logger.error({ problems: err.problems }, "invalid configuration");
    return undefined;
  }
}

/** Builds the program; `exit` receives the exit code an action decided. */
export function buildProgram(io: CliIo, exit: (code: number) => void): Command {
  const program = new Command("worker")
    .description("SharePoint -> S3 delta sync worker (configuration from the environment: see docs/worker.md)")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });

  /** An action that needs the configuration and the stores; 75 when the lease is held. */
  const withServices =
    (work: (config: WorkerConfig, services: Services) => Promise<void>) =>
    async (opts: CliSwitches): Promise<void> => {
      const config = configOrReport(opts, io);
      if (config === undefined) return exit(EXIT.config);
      const services = createServices(config, io.logger);
      try {
        if (config.createMissing) await createMissingResources(config, services, io.logger);
        await work(config, services);
        exit(EXIT.ok);
      } catch (err) {
        if (!(err instanceof LeaseHeldError)) throw err;
        io.stderr.write(`${err.message}\n`);
        exit(EXIT.leaseHeld);
      } finally {
        services.close();
      }
    };

  program
    .command("sync")
    .description("run one delta round for a site, resuming any round in progress")
    .addOption(siteOption())
    .addOption(createMissingOption())
    .addOption(graphAuthOption())
    .addOption(concurrencyOption())
    .addOption(maxDurationOption())
    .action(async (opts: CliSwitches) => {
      const config = configOrReport(opts, io);
      if (config === undefined) return exit(EXIT.config);
      exit((await syncCommand(config, io.logger.child({ siteId: config.siteId }))).exitCode);
    });

  program
    .command("consume")
    .description("fan-out consumer: download the tasks of DOWNLOAD_QUEUE_URL into S3 until stopped")
    .addOption(siteOption())
    .addOption(createMissingOption())
    .addOption(graphAuthOption())
    .addOption(concurrencyOption())
    .addOption(
      new Option(
        "--idle-exit <seconds>",
        "exit 0 after the queue stayed empty this long (default: run until stopped)",
      ).argParser(wholeSeconds),
    )
    .addOption(
      new Option(
        "--visibility <seconds>",
        "how long a received task stays invisible to other consumers (default 300)",
      ).argParser(wholeSeconds),
    )
    .action(async (opts: CliSwitches & { idleExit?: number; visibility?: number }) => {
      // Tasks name their own site; any configured site satisfies the configuration's site check.
      const config = configOrReport({ ...opts, site: opts.site ?? splitSiteIds(io.env.SYNC_SITE_IDS ?? "")[0] }, io);
      if (config === undefined) return exit(EXIT.config);
      const run = await consumeCommand(config, io.logger, {
        idleExitSeconds: opts.idleExit,
        visibilitySeconds: opts.visibility,
      });
      exit(run.exitCode);
    });

  program
    .command("status")
    .description("show the checkpoint, state, lease, document counts and quarantined items of a site (JSON on stdout)")
    .addOption(siteOption())
    .addOption(createMissingOption())
    .addOption(graphAuthOption())
    .action(
      withServices(async (config, services) => {
        io.stdout.write(`${JSON.stringify(await statusCommand(config, services), null, 2)}\n`);
      }),
    );

  program
    .command("reset")
    .description("forget the delta link and any round in progress: the next sync is a full resync")
    .addOption(siteOption())
    .addOption(createMissingOption())
    .addOption(graphAuthOption())
    .action(withServices((config, services) => resetCommand(config, services, io.logger)));
  return program;
}

/** Runs one invocation (`argv` without node and the script) and resolves with its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    // Help and version end the parse with exit code 0; any other usage error is a configuration error.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.config;
    io.logger.error({ err }, "worker failed");
    io.stderr.write(`${(err as Error).message ?? err}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  const dotenv = loadDotEnv(process.env);
  const said = describeDotEnv(dotenv);
  if (said) process.stderr.write(`${said}\n`);
  void runCli(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    logger: createLogger(),
    sources: { file: dotenv.file, fromFile: dotenv.loaded },
  }).then((code) => process.exit(code));
}
