// Peak RSS of the worker process while it streams ONE 1 GiB file from Graph to S3 (target < 200 MB),
// next to the peak of a run over a tiny library, in one run. The worker is a child process and
// reports its own peak (process.resourceUsage().maxRSS) in its summary.
//   npx tsx bench/worker-memory.ts [--mib 1024]
import { Command } from "commander";
import { WorkerHarness, summaryOf } from "../test/worker/harness";

const program = new Command("bench:worker-memory").option("--mib <n>", "size of the big file in MiB", "1024");

async function peakOf(h: WorkerHarness, site: string): Promise<{ maxRssMiB: number; bytes: number; seconds: number }> {
  const exit = await h.spawn(["sync", "--site", site, "--graph-auth", "none", "--create-missing"], h.env({ SYNC_SITE_IDS: site })).exited;
  const summary = summaryOf(exit) as { status: string; maxRssMiB: number; bytes: number; seconds: number };
  if (exit.code !== 0 || summary.status !== "completed") throw new Error(`sync of ${site} failed: ${exit.stderr}`);
  return summary;
}

async function main(): Promise<void> {
  const mib = Number(program.parse().opts<{ mib: string }>().mib);
  const h = await WorkerHarness.start();
  try {
    h.graph.site("memory-small").generate({ files: 20, maxSize: 4096, seed: 1 });
    const small = await peakOf(h, "memory-small");
    const big = h.graph.site("memory-big");
    const id = big.addFile(null, "Huge.bin", { size: mib * 1024 * 1024, seed: 42 });
    const large = await peakOf(h, "memory-big");
    const [objectHash] = [...(await h.bucketContents("memory-big")).values()];
    const expected = big.expectedFiles().get(id)!.sha256;
    console.log(`tiny library (20 files):  peak RSS ${small.maxRssMiB} MiB`);
    console.log(`one ${mib} MiB file:      peak RSS ${large.maxRssMiB} MiB, ${(large.bytes / 1024 / 1024).toFixed(0)} MiB in ${large.seconds} s `
      + `(${(large.bytes / 1024 / 1024 / large.seconds).toFixed(0)} MiB/s); target < 200 MB`);
    console.log(`object sha256 ${objectHash === expected ? "matches" : "DIFFERS FROM"} the library's`);
    if (objectHash !== expected) process.exitCode = 1;
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
