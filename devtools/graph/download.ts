// Pre-authenticated download URLs (what @microsoft.graph.downloadUrl and /content's 302 point at):
// no bearer token, an expiry, `Range: bytes=a-b` answered with 206, content streamed with
// back-pressure so a 1 GiB generated file costs one 64 KiB chunk of memory at a time.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ApiContext, DownloadToken } from "./api-routes";
import { contentSize, contentStream } from "./content";
import { CODE_FOR_STATUS } from "./errors";
import { errorReply, throttledReply, writeReply } from "./reply";
import { mimeTypeOf } from "./render";

export type ByteRange = { start: number; end: number } | "whole" | "unsatisfiable";

/** One `bytes=` range (a-b, a- or -n). Multiple or malformed ranges are ignored (whole body), as RFC 9110 allows. */
export function parseRange(header: string | undefined, size: number): ByteRange {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return "whole";
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== "" && Number(match[2]) < start) return "whole";
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

export async function serveDownload(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
): Promise<void> {
  ctx.stats.downloads++;
  ctx.stats.routes.download = (ctx.stats.routes.download ?? 0) + 1;
  ctx.events.emit("download");
  const throttle = ctx.faults.takeDownloadThrottle();
  if (throttle) {
    ctx.stats.throttled++;
    return writeReply(res, throttledReply(req, throttle.status, throttle.retryAfterSeconds));
  }
  const failure = ctx.faults.takeDownloadFailure();
  if (failure !== undefined) {
    ctx.stats.failed++;
    return writeReply(
      res,
      errorReply(req, failure, CODE_FOR_STATUS[failure], `Download failed (injected fault ${failure})`),
    );
  }
  if (req.method !== "GET" && req.method !== "HEAD")
    return writeReply(
      res,
      errorReply(req, 405, "invalidRequest", `Download URLs answer GET and HEAD only, not ${req.method}`),
    );
  const refuse = (why: string) =>
    writeReply(
      res,
      errorReply(
        req,
        401,
        "unauthenticated",
        `The download URL ${why}. Request the item again for a fresh @microsoft.graph.downloadUrl.`,
      ),
    );
  const state = ctx.codec.read<DownloadToken>(token);
  if (!state || state.k !== "download") return refuse("is not valid");
  if (ctx.now() > state.x || state.n <= ctx.faults.expiredDownloadSerial) return refuse("has expired");
  const node = ctx.librariesBySite.get(state.s)?.get(state.i);
  if (!node || node.deletedAt !== undefined || !node.content)
    return writeReply(res, errorReply(req, 404, "itemNotFound", "The item behind this download URL no longer exists."));
  const itemFault = ctx.faults.itemDownloads.get(node.id);
  if (itemFault?.status !== undefined) {
    ctx.stats.failed++;
    return writeReply(
      res,
      errorReply(
        req,
        itemFault.status,
        CODE_FOR_STATUS[itemFault.status],
        `Download of ${node.id} refused (injected fault)`,
      ),
    );
  }

  const size = contentSize(node.content);
  const range = parseRange(req.headers.range, size);
  const headers: Record<string, string> = {
    "content-type": mimeTypeOf(node.name),
    "accept-ranges": "bytes",
    etag: `"{${node.guid}},${node.eTagVersion}"`,
  };
  if (range === "unsatisfiable")
    return writeReply(
      res,
      errorReply(req, 416, "invalidRange", `The range ${req.headers.range} is outside the file's ${size} bytes`, {
        "content-range": `bytes */${size}`,
      }),
    );
  const { start, end } = range === "whole" ? { start: 0, end: size - 1 } : range;
  if (range !== "whole") headers["content-range"] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range === "whole" ? 200 : 206, { ...headers, "content-length": String(end - start + 1) });
  if (req.method === "HEAD" || end < start) {
    res.end();
    return;
  }
  let body: Readable = contentStream(node.content, start, end);
  if (itemFault?.alter)
    body = body.pipe(new Transform({ transform: (chunk: Buffer, _e, done) => done(null, flipBytes(chunk)) }));
  if (itemFault?.truncateAt !== undefined) {
    // Send the first bytes, then cut the connection mid-body, as a dropped download does.
    const limit = itemFault.truncateAt;
    let sent = 0;
    body = body.pipe(
      new Transform({
        transform(chunk: Buffer, _e, done) {
          const room = limit - sent;
          if (room <= 0) return done();
          sent += Math.min(room, chunk.length);
          done(null, chunk.subarray(0, room));
          if (sent >= limit) setImmediate(() => req.socket.destroy());
        },
      }),
    );
  }
  body.on("data", (chunk: Buffer) => (ctx.stats.bytesServed += chunk.length));
  // A client that hangs up mid-stream is normal (it may be resuming with Range later).
  await pipeline(body, res).catch(() => undefined);
}

/** Other bytes of the same length: what SharePoint serves for an Office file it rewrites on download. */
function flipBytes(chunk: Buffer): Buffer {
  const copy = Buffer.from(chunk);
  for (let i = 0; i < copy.length; i += 997) copy[i] ^= 0xff;
  return copy;
}
