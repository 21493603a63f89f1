// Peak RSS of the worker process while it streams ONE 1 GiB file from Graph to S3 (target < 200 MB),
// next to the peak of a run over a tiny library, in one run; both for the compiled worker the
// container runs (node worker/dist/cli.js, compiled here to a temp dir) and for the TypeScript
// source under tsx (what `npm run worker` runs; the transpiler adds to the baseline). The worker is
// a child process and reports its own peak (process.resourceUsage().maxRSS) in its summary.
//   npx tsx bench/worker-memory.ts [--mib 1024]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { WorkerHarness, summaryOf } from "../devtools/worker/harness";

const REPO = join(__dirname, "..");

const program = new Command("bench:worker-memory").option("--mib <n>", "size of the big file in MiB", "1024");

async function peakOf(
  h: WorkerHarness,
  site: string,
  entry?: string[],
): Promise<{ maxRssMiB: number; bytes: number; seconds: number }> {
  const env = h.env({ SYNC_SITE_IDS: site, NODE_PATH: join(REPO, "node_modules") });
  // A 1 GiB transfer on a busy machine takes minutes: the limit is for a hung run, not a slow one.
  const exit = await h.spawn(["sync", "--site", site, ...h.localSyncSwitches()], env, entry, 30 * 60 * 1000).exited;
  const summary = summaryOf(exit) as { status: string; maxRssMiB: number; bytes: number; seconds: number };
  if (exit.code !== 0 || summary.status !== "completed") throw new Error(`sync of ${site} failed: ${exit.stderr}`);
  return summary;
}

async function main(): Promise<void> {
  const mib = Number(program.parse().opts<{ mib: string }>().mib);
  const dist = mkdtempSync(join(tmpdir(), "worker-dist-"));
  execFileSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", "worker/tsconfig.build.json", "--outDir", dist],
    { cwd: REPO },
  );
  const h = await WorkerHarness.start();
  try {
    for (const [label, entry] of [
      ["compiled (container)", [join(dist, "cli.js")]],
      ["tsx (npm run worker)", undefined],
    ] as const) {
      const tag = label.startsWith("compiled") ? "c" : "t";
      h.graph.site(`memory-small-${tag}`).generate({ files: 20, maxSize: 4096, seed: 1 });
      const small = await peakOf(h, `memory-small-${tag}`, entry && [...entry]);
      const big = h.graph.site(`memory-big-${tag}`);
      const id = big.addFile(null, "Huge.bin", { size: mib * 1024 * 1024, seed: 42 });
      const large = await peakOf(h, `memory-big-${tag}`, entry && [...entry]);
      const [objectHash] = [...(await h.bucketObjects(`memory-big-${tag}`)).values()];
      const matches = objectHash === big.expectedFiles().get(id)!.sha256;
      console.log(
        `${label}: tiny library peak RSS ${small.maxRssMiB} MiB; one ${mib} MiB file peak RSS ${large.maxRssMiB} MiB ` +
          `(${(large.maxRssMiB * 1.048576).toFixed(0)} MB; target < 200 MB), ${(large.bytes / 1024 / 1024 / large.seconds).toFixed(0)} MiB/s, sha256 ${matches ? "matches" : "DIFFERS"}`,
      );
      if (!matches) process.exitCode = 1;
    }
  } finally {
    await h.close();
    rmSync(dist, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
