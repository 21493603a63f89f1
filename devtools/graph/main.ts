// Starts the Graph emulator with a generated library for manual runs:
//   npx tsx devtools/graph/main.ts --files 500 --folders 20 --latency 50
// It prints the base URL, the site id and a ready-made delta URL, then serves until Ctrl-C.
import { Command, InvalidArgumentError } from "commander";
import { GraphEmulator } from "./index";
import { sitePathSegment } from "./delta-route";

function integer(name: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min)
      throw new InvalidArgumentError(`${name} must be an integer of at least ${min}, got "${value}"`);
    return Number(value);
  };
}

const program = new Command("graph-emulator")
  .description("Microsoft Graph driveItem delta emulator on loopback, for local runs of the sync worker")
  .option(
    "--site <id>",
    "site id to serve",
    "contoso.sharepoint.com,00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000002",
  )
  .option("--files <n>", "generated files", integer("--files", 0), 100)
  .option("--folders <n>", "generated folders", integer("--folders", 0), 10)
  .option("--min-size <bytes>", "smallest generated file", integer("--min-size", 0), 0)
  .option("--max-size <bytes>", "largest generated file", integer("--max-size", 0), 64 * 1024)
  .option("--seed <n>", "seed for ids, content and page order", integer("--seed", 0), 1)
  .option("--port <n>", "port (0 = any free port)", integer("--port", 0), 0)
  .option("--latency <ms>", "latency added to every API response", integer("--latency", 0), 0)
  .option("--page-size <n>", "items per delta page without $top", integer("--page-size", 1), 200)
  .option("--rps <n>", "rate limit in API requests per second (429 beyond)", integer("--rps", 1));

async function main(): Promise<void> {
  const opts = program.parse().opts<{
    site: string;
    files: number;
    folders: number;
    minSize: number;
    maxSize: number;
    seed: number;
    port: number;
    latency: number;
    pageSize: number;
    rps?: number;
  }>();
  const emulator = await GraphEmulator.start({
    port: opts.port,
    seed: opts.seed,
    latencyMs: opts.latency,
    pageSize: opts.pageSize,
    maxRequestsPerSecond: opts.rps,
  });
  emulator.site(opts.site).generate({
    files: opts.files,
    folders: opts.folders,
    seed: opts.seed,
    minSize: opts.minSize,
    maxSize: opts.maxSize,
  });
  console.log(
    JSON.stringify(
      {
        baseUrl: emulator.baseUrl,
        siteId: opts.site,
        delta: `${emulator.baseUrl}/sites/${sitePathSegment(opts.site)}/drive/root/delta`,
        files: opts.files,
        folders: opts.folders,
      },
      null,
      2,
    ),
  );
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
