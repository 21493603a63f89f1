// Every Graph request goes through here: the shared throttle gate, a bearer token from the one
// credential of the process, a timeout on every request, and retries with exponential backoff and
// full jitter (exponential-backoff) for 5xx answers and network errors, including a body cut off
// while it is read. A 401 on an API call forces one token refresh before it is given back. Other
// statuses go back to the caller, which knows whether a 401, 404 or 410 means "refresh", "gone" or
// "resync".
import type { GetTokenOptions, TokenCredential } from "@azure/identity";
import { backOff } from "exponential-backoff";
import { GRAPH_SCOPE } from "../credentials";
import { systemClock, type Clock } from "../runtime/clock";
import { linkedAbort } from "../runtime/linked-abort";
import { redact } from "./errors";
import { Pacer } from "./pacer";
import { ThrottleGate, retryAfterMs } from "./throttle-gate";

export interface GraphHttpOptions {
  /** undefined only for --graph-auth none (loopback emulator). */
  readonly credential?: TokenCredential;
  readonly gate?: ThrottleGate;
  readonly clock?: Clock;
  /** Attempts for 5xx and network errors (throttling does not count: it waits as long as Graph says). */
  readonly maxAttempts?: number;
  readonly startingDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Give up on one request after this many throttled answers in a row. */
  readonly maxThrottledAnswers?: number;
  /** Pause used for a 429 that carries no Retry-After. */
  readonly defaultRetryAfterMs?: number;
  /** Time for a request to answer (headers, and for JSON its whole body); default 60 s. */
  readonly requestTimeoutMs?: number;
  readonly onRetry?: (event: { url: string; reason: string; attempt: number }) => void;
}

interface RequestInit {
  authenticated: boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** Worth another attempt: a 5xx answer, a network error, a timeout, a body cut off. */
class TransientError extends Error {}

/**
 * The claims challenge that makes @azure/identity (MSAL) skip its token cache: the format Graph itself
 * sends in a WWW-Authenticate claims challenge (continuous access evaluation), asking for a token
 * issued from now on.
 */
function freshTokenClaims(now: number): string {
  return JSON.stringify({ access_token: { nbf: { essential: true, value: String(Math.floor(now / 1000)) } } });
}

export class GraphHttp {
  readonly gate: ThrottleGate;
  readonly pacer: Pacer;
  private readonly clock: Clock;
  private readonly opts: Required<Omit<GraphHttpOptions, "credential" | "gate" | "onRetry" | "clock">>;
  /** Counters for the run summary. */
  readonly counts = { requests: 0, throttled: 0, retried: 0, tokenRefreshes: 0, timeouts: 0 };

  constructor(private readonly options: GraphHttpOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.gate = options.gate ?? new ThrottleGate(this.clock);
    this.pacer = new Pacer(this.clock);
    this.opts = {
      maxAttempts: options.maxAttempts ?? 8,
      startingDelayMs: options.startingDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      maxThrottledAnswers: options.maxThrottledAnswers ?? 100,
      defaultRetryAfterMs: options.defaultRetryAfterMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    };
  }

  /**
   * GET `url` and resolve with the response, its body unread (downloads stream it). `authenticated:
   * false` is for pre-authenticated download URLs, which must never receive our bearer token.
   * Resolves with any non-retryable response; the caller checks `ok`.
   */
  get(url: string, init: RequestInit): Promise<Response> {
    return this.withRetries(url, init, async (response) => response);
  }

  /**
   * GET `url` and read its body as JSON within the same retries: a connection reset while the body
   * is read is retried like one before the answer. Non-2xx answers resolve with `body` undefined
   * and the response for the caller to read.
   */
  getJson(url: string, init: RequestInit): Promise<{ response: Response; body?: unknown }> {
    return this.withRetries(url, init, async (response) => {
      if (!response.ok) return { response };
      try {
        return { response, body: await response.json() };
      } catch (err) {
        if (init.signal?.aborted) throw err;
        throw new TransientError(`the response body could not be read: ${describe(err)}`);
      }
    });
  }

  private withRetries<T>(url: string, init: RequestInit, read: (response: Response) => Promise<T>): Promise<T> {
    return backOff(
      async () => {
        const request = linkedAbort(init.signal);
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          request.abort(new Error("timeout"));
        }, this.opts.requestTimeoutMs);
        try {
          return await read(await this.untilNotThrottled(url, { ...init, signal: request.signal }));
        } catch (err) {
          if (timedOut && !init.signal?.aborted) {
            this.counts.timeouts++;
            throw new TransientError(`no answer within ${this.opts.requestTimeoutMs} ms`);
          }
          throw err;
        } finally {
          clearTimeout(timer);
          request.dispose();
        }
      },
      {
        numOfAttempts: this.opts.maxAttempts,
        startingDelay: this.opts.startingDelayMs,
        maxDelay: this.opts.maxDelayMs,
        jitter: "full",
        retry: (err: unknown, attempt: number) => {
          if (!(err instanceof TransientError) || init.signal?.aborted) return false;
          this.counts.retried++;
          this.options.onRetry?.({ url: redact(url), reason: err.message, attempt });
          return true;
        },
      },
    );
  }

  private async untilNotThrottled(url: string, init: RequestInit): Promise<Response> {
    let refreshed = false;
    for (let throttled = 0; ;) {
      await this.gate.pass(init.signal);
      // API calls count against the application's budget; download URLs do not. A request that
      // waited for room while another was throttled waits for the gate again.
      const sentAt = init.authenticated ? await this.pacer.admit(init.signal) : 0;
      if (this.gate.closed) continue;
      const response = await this.fetchOnce(url, init, refreshed);
      // A token Graph no longer accepts (revoked, or signed with a retired key) may still sit in the
      // credential's cache: ask for a fresh one once before the 401 reaches the caller.
      if (response.status === 401 && init.authenticated && this.options.credential && !refreshed) {
        await response.body?.cancel();
        refreshed = true;
        this.counts.tokenRefreshes++;
        this.options.onRetry?.({ url: redact(url), reason: "401: token refreshed", attempt: 1 });
        continue;
      }
      const isThrottle = response.status === 429 || (response.status === 503 && response.headers.has("retry-after"));
      if (init.authenticated) {
        // Only 429 speaks of the application's budget; a 503 with Retry-After is the service's own state.
        if (response.status === 429) this.pacer.throttled(sentAt);
        else this.pacer.answered();
      }
      if (!isThrottle) {
        if (response.status >= 500) {
          await response.body?.cancel();
          throw new TransientError(`HTTP ${response.status}`);
        }
        return response;
      }
      await response.body?.cancel();
      this.counts.throttled++;
      throttled++;
      if (throttled >= this.opts.maxThrottledAnswers) {
        throw new Error(
          `Graph kept throttling ${redact(url)} (${throttled} answers in a row); giving up on this request`,
        );
      }
      this.gate.close(
        retryAfterMs(response.headers.get("retry-after"), this.opts.defaultRetryAfterMs, this.clock.now()),
      );
      this.options.onRetry?.({
        url: redact(url),
        reason: `throttled (${response.status}, Retry-After ${response.headers.get("retry-after") ?? "none"})`,
        attempt: throttled,
      });
    }
  }

  private async fetchOnce(url: string, init: RequestInit, forceRefresh: boolean): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.authenticated && this.options.credential) {
      const options: GetTokenOptions = { abortSignal: init.signal };
      if (forceRefresh) options.claims = freshTokenClaims(this.clock.now());
      const token = await this.options.credential.getToken(GRAPH_SCOPE, options);
      if (!token) throw new Error("The Graph credential returned no access token");
      headers.authorization = `Bearer ${token.token}`;
    }
    this.counts.requests++;
    try {
      return await fetch(url, { headers, signal: init.signal, redirect: "manual" });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      // Connection reset, refused, DNS: worth another attempt.
      throw new TransientError(`network error: ${describe(err)}`);
    }
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e?.cause?.message ?? e?.message ?? String(err);
}
