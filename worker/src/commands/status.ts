// `status --site <id>`: checkpoint, state, lease and document counts, as one JSON document on stdout.
import type { WorkerConfig } from "../config/load";
import type { Services } from "../runtime/services";

export interface SiteStatus {
  siteId: string;
  roundInProgress: boolean;
  checkpoint: unknown;
  state: unknown;
  lease: { owner?: string; fence?: number; expiresAt?: string; held: boolean } | undefined;
  documents: { files: number; folders: number; bytes: number };
}

export async function statusCommand(config: WorkerConfig, services: Services): Promise<SiteStatus> {
  const siteId = config.siteId;
  const [checkpoint, state, lease] = await Promise.all([
    services.checkpoints.read(siteId),
    services.state.read(siteId),
    services.lease.read(siteId),
  ]);
  const documents = { files: 0, folders: 0, bytes: 0 };
  for await (const doc of services.documents.all(siteId)) {
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
    checkpoint: checkpoint && { ...checkpoint, nextLink: "(set)" },
    state: state && { ...state, deltaLink: state.deltaLink === undefined ? undefined : "(set)" },
    lease: lease && {
      owner: lease.owner,
      fence: lease.fence,
      expiresAt: lease.expiresAt ? new Date(lease.expiresAt).toISOString() : undefined,
      held: lease.owner !== undefined && (lease.expiresAt ?? 0) > Date.now(),
    },
    documents,
  };
}
