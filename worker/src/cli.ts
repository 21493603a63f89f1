// Command-line entry point (`npm run worker -- <command>`, and the container's entrypoint).
import { Command, InvalidArgumentError, Option } from "commander";
import type { Logger } from "pino";
import { resetCommand } from "./commands/reset";
import { statusCommand } from "./commands/status";
import { syncCommand } from "./commands/sync";
import { consumeCommand } from "./commands/consume";
import {
  ConfigError,
  DEFAULT_CONCURRENCY,
  MAX_CONCURRENCY,
  loadConfig,
  type CliSwitches,
  type WorkerConfig,
} from "./config/load";
import { splitSiteIds } from "./config/site-ids";
import { EXIT } from "./runtime/exit-codes";
import { createLogger } from "./runtime/logger";
import { createMissingResources, createServices, type Services } from "./runtime/services";
import { LeaseHeldError } from "./stores/errors";

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

function maxDurationOption(): Option {
  return new Option(
    "--max-duration <seconds>",
    "run for a bounded chunk: after this many seconds, stop at the next durable page and exit 3 if work is left (0: one page)",
  ).argParser((value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number of seconds");
    return value;
  });
}

function wholeSeconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number of seconds");
  return Number(value);
}

/** Loads the configuration or prints every problem and exits 78. */
function configOrExit(switches: CliSwitches, logger: Logger): WorkerConfig {
  try {
    return loadConfig(process.env, switches);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    logger.error({ problems: err.problems }, "invalid configuration");
    return process.exit(EXIT.config);
  }
}

/** An action that needs the configuration and the stores, then exits 0 (75 when the lease is held). */
function withServices(logger: Logger, work: (config: WorkerConfig, services: Services) => Promise<void>) {
  return async (opts: CliSwitches): Promise<void> => {
    const config = configOrExit(opts, logger);
    const services = createServices(config, logger);
    try {
      if (config.createMissing) await createMissingResources(config, services, logger);
      await work(config, services);
    } catch (err) {
      if (!(err instanceof LeaseHeldError)) throw err;
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT.leaseHeld);
    } finally {
      services.close();
    }
    process.exit(EXIT.ok);
  };
}

export function buildProgram(logger: Logger): Command {
  const program = new Command("worker")
    .description("SharePoint -> S3 delta sync worker (configuration from the environment: see docs/worker.md)")
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.config));

  program
    .command("sync")
    .description("run one delta round for a site, resuming any round in progress")
    .addOption(siteOption())
    .addOption(createMissingOption())
    .addOption(graphAuthOption())
    .addOption(concurrencyOption())
    .addOption(maxDurationOption())
    .action(async (opts: CliSwitches) => {
      const config = configOrExit(opts, logger);
      const run = await syncCommand(config, logger.child({ siteId: config.siteId }));
      process.exit(run.exitCode);
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
      const config = configOrExit(
        { ...opts, site: opts.site ?? splitSiteIds(process.env.SYNC_SITE_IDS ?? "")[0] },
        logger,
      );
      const run = await consumeCommand(config, logger, {
        idleExitSeconds: opts.idleExit,
        visibilitySeconds: opts.visibility,
      });
      process.exit(run.exitCode);
    });

  program
    .command("status")
    .description("show the checkpoint, state, lease and document counts of a site (JSON on stdout)")
    .addOption(siteOption())
    .addOption(createMissingOption())
    .addOption(graphAuthOption())
    .action(
      withServices(logger, async (config, services) => {
        process.stdout.write(`${JSON.stringify(await statusCommand(config, services), null, 2)}\n`);
      }),
    );

  program
    .command("reset")
    .description("forget the delta link and any round in progress: the next sync is a full resync")
    .addOption(siteOption())
    .addOption(createMissingOption())
    .addOption(graphAuthOption())
    .action(withServices(logger, (config, services) => resetCommand(config, services, logger)));
  return program;
}

if (require.main === module) {
  const logger = createLogger();
  buildProgram(logger)
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      logger.error({ err }, "worker failed");
      process.stderr.write(`${(err as Error).message ?? err}\n`);
      process.exit(EXIT.failed);
    });
}
