// `status --site <id>`: checkpoint, state, lease, document counts and quarantined items, as one JSON
// document on stdout.
import type { WorkerConfig } from "../config/load";
import type { Services } from "../runtime/services";
import { allDocuments } from "../stores/document-store";
import type { QuarantineEntry } from "../stores/quarantine-store";

export interface SiteStatus {
  siteId: string;
  roundInProgress: boolean;
  checkpoint: unknown;
  state: unknown;
  lease: { owner?: string; fence?: number; expiresAt?: string; held: boolean } | undefined;
  documents: { files: number; folders: number; bytes: number };
  /** Items that kept failing: retried every round, listed here until they succeed. */
  quarantine: QuarantineEntry[];
}

export async function statusCommand(config: WorkerConfig, services: Services): Promise<SiteStatus> {
  const siteId = config.siteId;
  const [checkpoint, state, lease, quarantine] = await Promise.all([
    services.checkpoints.read(siteId),
    services.state.read(siteId),
    services.lease.read(siteId),
    services.quarantine.list(siteId),
  ]);
  const documents = { files: 0, folders: 0, bytes: 0 };
  for await (const doc of allDocuments(services.documents, siteId)) {
    if (doc.kind === "file") {
      documents.files++;
      documents.bytes += doc.size ?? 0;
    } else if (doc.kind === "folder") {
      documents.folders++;
    }
  }
  return {
    siteId,
    roundInProgress: checkpoint !== undefined,
    checkpoint: checkpoint && {
      ...checkpoint,
      nextLink: "(set)",
      deltaLink: checkpoint.deltaLink === undefined ? undefined : "(set)",
    },
    state: state && { ...state, deltaLink: state.deltaLink === undefined ? undefined : "(set)" },
    lease: lease && {
      owner: lease.owner,
      fence: lease.fence,
      expiresAt: lease.expiresAt ? new Date(lease.expiresAt).toISOString() : undefined,
      held: lease.owner !== undefined && (lease.expiresAt ?? 0) > Date.now(),
    },
    documents,
    quarantine,
  };
}
