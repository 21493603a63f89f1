// The contract between the program and the worker (worker/src/contract): the task definition each stack deploys,
// fed to the worker's own loadConfig, is a valid configuration naming exactly the stack's tables, bucket and region,
// for every site the stack schedules.
import { strict as assert } from "node:assert";
import { recordedStack } from "../../devtools/recorded-stacks";
import type { RecordedResource } from "../../tools/mock-runtime";
import type { TaskEnvironmentInputs } from "../../components/sync-task";
import { loadConfig } from "../../worker/src/config/load";
import { splitSiteIds } from "../../worker/src/config/site-ids";
import { GRAPH_SITE_ID_PATTERN, WORKER_ENVIRONMENT, type WorkerEnvironmentName } from "../../worker/src/contract";

const environmentOf = (definition: RecordedResource) =>
  Object.fromEntries(
    (
      JSON.parse(definition.inputs.containerDefinitions as string)[0].environment as Array<{
        name: string;
        value: string;
      }>
    ).map((e) => [e.name, e.value]),
  );

describe("the program ↔ worker contract", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: the task definition's environment is a valid worker configuration for every scheduled site`, async () => {
      const run = await recordedStack(stack);
      const definition = run.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")!;
      const env = environmentOf(definition);
      const read = Object.values(WORKER_ENVIRONMENT) as string[];
      for (const name of Object.keys(env)) assert.ok(read.includes(name), `${name} is not a variable the worker reads`);

      // Every site the stack syncs (one schedule, or state machine, each), as ECS runs it: the task's environment
      // (and the task role, which leaves no credential variable) and `sync --site <id>`.
      const sites = splitSiteIds(env.SYNC_SITE_IDS!);
      assert.ok(sites.length > 0);
      for (const site of sites) {
        const config = loadConfig(env, { site });
        assert.equal(config.siteId, site);
        const table = run.resources.find((r) => r.type === "aws:dynamodb/table:Table")!;
        assert.equal(config.region, (table.outputs.arn as string).split(":")[3], "the region the tables live in");
        assert.deepEqual(config.tables, run.outputs.tableNames);
        assert.equal(config.bucket, run.outputs.contentBucket);
        assert.equal(config.clientId, run.outputs.azureSyncClientId);
        assert.equal(config.graphAuth, "auto");
        assert.equal(config.endpoints.dynamodb, undefined, "the worker reaches the real AWS endpoints");
      }
      // Every site ID the stack accepts splits back into itself in the worker.
      for (const site of sites) assert.match(site, GRAPH_SITE_ID_PATTERN);
      assert.equal(sites.join(","), env.SYNC_SITE_IDS);
    });
  }

  it("lets the type-checker refuse a task environment naming a variable the worker does not read", () => {
    const valid: TaskEnvironmentInputs = {
      AZURE_TENANT_ID: "t",
      AZURE_CLIENT_ID: "c",
      SYNC_SITE_IDS: "s",
      CHECKPOINT_TABLE: "a",
      STATE_TABLE: "b",
      DOCUMENTS_TABLE: "c",
      LEASE_TABLE: "d",
      CONTENT_BUCKET: "e",
      AWS_REGION: "ap-southeast-2",
    };
    // @ts-expect-error -- SYNC_SITES is not a variable of the worker's schema (tsc --noEmit fails if this compiles).
    const misspelt: TaskEnvironmentInputs = { ...valid, SYNC_SITES: "s" };
    const name: WorkerEnvironmentName = "SYNC_SITE_IDS";
    assert.ok(misspelt && name);
  });
});
