// The parts of a Graph driveItem and of a delta page that the worker relies on. Parsed with zod so a
// response that lacks them fails with a message naming what is missing, instead of a TypeError later.
import { z } from "zod";

export const driveItemSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  eTag: z.string().optional(),
  cTag: z.string().optional(),
  size: z.number().optional(),
  lastModifiedDateTime: z.string().optional(),
  parentReference: z.object({ id: z.string().nullish(), driveId: z.string().optional() }).partial().optional(),
  file: z.object({ mimeType: z.string().optional(), hashes: z.record(z.string(), z.string()).optional() }).optional(),
  folder: z.object({ childCount: z.number().optional() }).optional(),
  root: z.object({}).passthrough().optional(),
  deleted: z.object({ state: z.string().optional() }).passthrough().optional(),
  "@microsoft.graph.downloadUrl": z.string().optional(),
});

export type DriveItem = z.infer<typeof driveItemSchema>;

export const deltaPageSchema = z
  .object({
    value: z.array(driveItemSchema),
    "@odata.nextLink": z.string().optional(),
    "@odata.deltaLink": z.string().optional(),
  })
  .refine(
    (page) => page["@odata.nextLink"] !== undefined || page["@odata.deltaLink"] !== undefined,
    "a delta page must carry @odata.nextLink or @odata.deltaLink",
  );

export interface DeltaPage {
  readonly items: DriveItem[];
  readonly nextLink?: string;
  readonly deltaLink?: string;
}

export function parseOrExplain<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const detail = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
    .join("; ");
  throw new Error(`Graph returned an unexpected ${what}: ${detail}`);
}
