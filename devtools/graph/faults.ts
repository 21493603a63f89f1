// Faults a test arms on the emulator. Counted faults apply to the next N matching requests, in the
// order they were armed; link and download-URL faults make every token issued SO FAR stale, while
// links issued afterwards (e.g. the fresh full listing after a resync) work again.
import type { TokenCodec } from "./tokens";

export type ResyncCode = "resyncRequired" | "resyncChangesApplyDifferences" | "resyncChangesUploadDifferences";
const RESYNC_CODES: readonly ResyncCode[] = [
  "resyncRequired",
  "resyncChangesApplyDifferences",
  "resyncChangesUploadDifferences",
];

export interface Faults {
  /** The next `count` API requests answer 429 (default) or 503 with Retry-After. */
  throttle(count: number, opts?: { retryAfterSeconds?: number; status?: 429 | 503 }): void;
  /** The next `count` API requests answer `status` (default 500) in Graph's error shape. */
  failNext(count: number, status?: number): void;
  /** The next `count` requests (API or download) have their socket destroyed before any answer. */
  resetConnections(count: number): void;
  /** Every deltaLink issued so far answers 410 with `code` (default resyncRequired). */
  goneOnDeltaLink(code?: ResyncCode): void;
  /** Every nextLink issued so far answers 410 with `code` (default resyncRequired). */
  goneOnNextLink(code?: ResyncCode): void;
  /** Every download URL issued so far answers 401. */
  expireDownloadUrls(): void;
  /** The next `count` download requests answer 429 (default) or 503 with Retry-After. */
  throttleDownloads(count: number, opts?: { retryAfterSeconds?: number; status?: 429 | 503 }): void;
  /** The next `count` download requests answer `status`. */
  failDownloads(count: number, status: 401 | 403 | 500): void;
  /** Every download of this item answers `status` (a file SharePoint never lets through), until clear(). */
  failDownloadsOf(itemId: string, status: 401 | 403 | 500): void;
  /** Every download of this item stops after `bytes` bytes and the connection is cut, until clear(). */
  truncateDownloadsOf(itemId: string, bytes: number): void;
  /** Downloads of this item serve other bytes than file.hashes describe (as SharePoint does for some Office files). */
  alterDownloadsOf(itemId: string): void;
  /** The next `count` delta pages send half their body, then the connection is cut. */
  cutDeltaBodies(count: number): void;
  clear(): void;
}

export interface Throttle {
  status: 429 | 503;
  retryAfterSeconds: number;
}

export interface StaleLinks {
  upToSerial: number;
  code: ResyncCode;
}

interface Budget<T> {
  remaining: number;
  value: T;
}

function requireCount(count: number, fault: string): void {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new Error(`faults.${fault}: count must be a non-negative integer, got ${count}`);
}

function requireResyncCode(code: string, fault: string): ResyncCode {
  if (!RESYNC_CODES.includes(code as ResyncCode))
    throw new Error(`faults.${fault}: code must be one of ${RESYNC_CODES.join(", ")}; got "${code}"`);
  return code as ResyncCode;
}

function throttleBudget(
  count: number,
  opts: { retryAfterSeconds?: number; status?: 429 | 503 },
  fault: string,
): Budget<Throttle> {
  requireCount(count, fault);
  const { retryAfterSeconds = 1, status = 429 } = opts;
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
    throw new Error(
      `faults.${fault}: retryAfterSeconds must be a non-negative integer (Retry-After is in whole seconds), got ${retryAfterSeconds}`,
    );
  }
  if (status !== 429 && status !== 503) throw new Error(`faults.${fault}: status must be 429 or 503, got ${status}`);
  return { remaining: count, value: { status, retryAfterSeconds } };
}

function take<T>(budgets: Budget<T>[]): T | undefined {
  while (budgets.length > 0 && budgets[0].remaining === 0) budgets.shift();
  if (budgets.length === 0) return undefined;
  budgets[0].remaining--;
  return budgets[0].value;
}

export class FaultPlan implements Faults {
  private throttles: Budget<Throttle>[] = [];
  private failures: Budget<number>[] = [];
  private downloadFailures: Budget<number>[] = [];
  private downloadThrottles: Budget<Throttle>[] = [];
  private resets = 0;
  private deltaCuts = 0;
  /** Per-item download faults, kept until clear(). */
  readonly itemDownloads = new Map<string, { status?: 401 | 403 | 500; truncateAt?: number; alter?: boolean }>();
  staleDeltaLinks?: StaleLinks;
  staleNextLinks?: StaleLinks;
  /** Download URLs with a serial up to this one answer 401. */
  expiredDownloadSerial = 0;

  constructor(private readonly codec: TokenCodec) {}

  throttle(count: number, opts: { retryAfterSeconds?: number; status?: 429 | 503 } = {}): void {
    this.throttles.push(throttleBudget(count, opts, "throttle"));
  }

  throttleDownloads(count: number, opts: { retryAfterSeconds?: number; status?: 429 | 503 } = {}): void {
    this.downloadThrottles.push(throttleBudget(count, opts, "throttleDownloads"));
  }

  failNext(count: number, status = 500): void {
    requireCount(count, "failNext");
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw new Error(`faults.failNext: status must be an HTTP error status (400-599), got ${status}`);
    this.failures.push({ remaining: count, value: status });
  }

  resetConnections(count: number): void {
    requireCount(count, "resetConnections");
    this.resets += count;
  }

  goneOnDeltaLink(code: ResyncCode = "resyncRequired"): void {
    this.staleDeltaLinks = { upToSerial: this.codec.lastSerial, code: requireResyncCode(code, "goneOnDeltaLink") };
  }

  goneOnNextLink(code: ResyncCode = "resyncRequired"): void {
    this.staleNextLinks = { upToSerial: this.codec.lastSerial, code: requireResyncCode(code, "goneOnNextLink") };
  }

  expireDownloadUrls(): void {
    this.expiredDownloadSerial = this.codec.lastSerial;
  }

  failDownloads(count: number, status: 401 | 403 | 500): void {
    requireCount(count, "failDownloads");
    if (![401, 403, 500].includes(status))
      throw new Error(`faults.failDownloads: status must be 401, 403 or 500, got ${status}`);
    this.downloadFailures.push({ remaining: count, value: status });
  }

  failDownloadsOf(itemId: string, status: 401 | 403 | 500): void {
    if (![401, 403, 500].includes(status))
      throw new Error(`faults.failDownloadsOf: status must be 401, 403 or 500, got ${status}`);
    this.itemDownloads.set(itemId, { ...this.itemDownloads.get(itemId), status });
  }

  truncateDownloadsOf(itemId: string, bytes: number): void {
    requireCount(bytes, "truncateDownloadsOf");
    this.itemDownloads.set(itemId, { ...this.itemDownloads.get(itemId), truncateAt: bytes });
  }

  alterDownloadsOf(itemId: string): void {
    this.itemDownloads.set(itemId, { ...this.itemDownloads.get(itemId), alter: true });
  }

  cutDeltaBodies(count: number): void {
    requireCount(count, "cutDeltaBodies");
    this.deltaCuts += count;
  }

  takeDeltaCut(): boolean {
    if (this.deltaCuts === 0) return false;
    this.deltaCuts--;
    return true;
  }

  clear(): void {
    this.itemDownloads.clear();
    this.deltaCuts = 0;
    this.throttles = [];
    this.failures = [];
    this.downloadFailures = [];
    this.downloadThrottles = [];
    this.resets = 0;
    this.staleDeltaLinks = undefined;
    this.staleNextLinks = undefined;
    this.expiredDownloadSerial = 0;
  }

  // ---- consumed by the server ----

  takeReset(): boolean {
    if (this.resets === 0) return false;
    this.resets--;
    return true;
  }

  takeThrottle(): Throttle | undefined {
    return take(this.throttles);
  }

  takeFailure(): number | undefined {
    return take(this.failures);
  }

  takeDownloadThrottle(): Throttle | undefined {
    return take(this.downloadThrottles);
  }

  takeDownloadFailure(): number | undefined {
    return take(this.downloadFailures);
  }
}
