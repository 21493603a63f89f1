// Everything a command talks to, built once per process from the validated configuration. The
// Graph credential is created here and only here (one credential instance per process).
import type { Logger } from "pino";
import type { WorkerConfig } from "../config/load";
import { ContentStore } from "../content/content-store";
import { createGraphCredential, explainGraphRefusal } from "../credentials";
import { GraphClient } from "../graph/client";
import { GraphHttp } from "../graph/http";
import { CheckpointStore } from "../stores/checkpoint-store";
import { DocumentStore } from "../stores/document-store";
import { LeaseStore } from "../stores/lease-store";
import { QuarantineStore } from "../stores/quarantine-store";
import { StateStore } from "../stores/state-store";
import { createMissingTables } from "../stores/tables";
import { createAwsClients, type AwsClients } from "./aws-clients";
import { countWrites, type WriteCounts } from "./write-counter";

export interface Services {
  readonly aws: AwsClients;
  readonly graph: GraphClient;
  readonly lease: LeaseStore;
  readonly checkpoints: CheckpointStore;
  readonly state: StateStore;
  readonly documents: DocumentStore;
  readonly content: ContentStore;
  readonly quarantine: QuarantineStore;
  readonly writes: WriteCounts;
  close(): void;
}

export function createServices(config: WorkerConfig, logger: Logger): Services {
  const aws = createAwsClients(config);
  const writes = countWrites(aws.dynamo);
  const credential = createGraphCredential({
    mode: config.graphAuth,
    tenantId: config.tenantId ?? "",
    clientId: config.clientId ?? "",
    awsRegion: config.region,
    authorityHost: config.authorityHost,
  });
  const http = new GraphHttp({
    credential,
    onRetry: (event) => logger.debug({ retry: event }, "graph request retried"),
  });
  return {
    aws,
    graph: new GraphClient(
      config.graphBaseUrl,
      http,
      credential && config.clientId ? (status, body) => explainGraphRefusal(status, body, config.clientId!) : undefined,
    ),
    lease: new LeaseStore(aws.documents, config.tables.lease),
    checkpoints: new CheckpointStore(aws.documents, config.tables.checkpoints),
    state: new StateStore(aws.documents, config.tables.state),
    documents: new DocumentStore(aws.documents, config.tables.documents),
    content: new ContentStore(aws.s3, config.bucket),
    quarantine: new QuarantineStore(aws.documents, config.tables.documents),
    writes,
    close: () => aws.destroy(),
  };
}

/** --create-missing (validated to loopback endpoints): tables and bucket for local runs and tests. */
export async function createMissingResources(config: WorkerConfig, services: Services, logger: Logger): Promise<void> {
  const tables = await createMissingTables(services.aws.dynamo, config.tables);
  const bucket = await services.content.createBucketIfMissing();
  if (tables.length > 0 || bucket)
    logger.info({ created: { tables, bucket: bucket ? config.bucket : undefined } }, "created missing local resources");
}
