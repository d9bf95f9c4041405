/**
 * `sseResponse`: a web-standard `Response` that streams a bus's events to a
 * browser's `EventSource` (Server-Sent Events), with resume.
 *
 * @module
 */

import type { EventBus, ResumeGap } from "../core/bus.ts";
import type { EventCatalog } from "../core/catalog.ts";
import { type CloudEvent, encodeCloudEvent } from "../core/envelope.ts";
import { BusClosedError } from "../core/errors.ts";
import { noSuchType } from "../core/_suggest.ts";
import { formatSseComment, formatSseMessage } from "./framing.ts";
import { decodeResumeToken, encodeResumeToken } from "./token.ts";

/** Options of {@linkcode sseResponse}. */
export interface SseOptions {
  /**
   * The request being answered: its `Last-Event-ID` header resumes, and
   * `authorize` receives it. Its `signal` is not read: a client that goes
   * away is seen when the server cancels the response body (Deno.serve,
   * Bun, Workers and Node adapters do), and in Deno.serve reading
   * `request.signal` opts into its legacy abort-on-success behaviour (and
   * a warning). Pass `signal: request.signal` where a server only signals
   * a disconnect that way.
   */
  request?: Request;
  /** Ends the stream when aborted (e.g. the server shuts down). */
  signal?: AbortSignal;
  /**
   * The resume token to use instead of the request's `Last-Event-ID`
   * header, e.g. from a query parameter on a page's first connection;
   * `null` or `""` means none.
   */
  lastEventId?: string | null;
  /**
   * Decides whether `request` may connect: `true` lets it, `false` answers
   * 403, a `Response` is sent instead (e.g. 401 with `WWW-Authenticate`).
   * Needs `request`. A throw rejects `sseResponse`.
   */
  authorize?: (
    request: Request,
  ) => boolean | Response | Promise<boolean | Response>;
  /**
   * The types (or patterns) this client may see; events that `pattern`
   * matches but these do not are not sent.
   *
   * @default {every type pattern matches}
   */
  types?: readonly string[];
  /**
   * Milliseconds between keep-alive comments on an idle stream; `0` sends
   * none.
   *
   * @default {15000}
   */
  keepAlive?: number;
  /** Reconnection delay to tell the client (`retry:`), ms. */
  retry?: number;
  /**
   * Events held for a client that reads slower than they come. Beyond it
   * the oldest are dropped, counted in `bus.stats().dropped`, reported to
   * the bus's `onError` (`kind: "overflow"`), and the client gets an
   * `event: gap` (`reason: "overflow"`, `dropped`) before the next event.
   * A resume's replay fills it too: on local keep it at least `history`.
   *
   * @default {1024}
   */
  buffer?: number;
  /** Extra response headers. */
  headers?: HeadersInit;
}

/** The `data` of an `event: gap` message, as JSON. */
export interface SseGap {
  /**
   * `"expired"` or `"unknown"`: the resume token could not be resumed
   * exactly (see `ResumeGap`); `"overflow"`: this client read too slowly
   * and `dropped` events were discarded.
   */
  reason: "expired" | "unknown" | "overflow";
  /** The token the client resumed after (`expired`, `unknown`). */
  after?: string;
  /** Events dropped (`overflow`). */
  dropped?: number;
  /** A readable explanation. */
  message: string;
}

const KEEP_ALIVE = formatSseComment("keep-alive");
const encoder = new TextEncoder();

function plain(status: number, text: string): Response {
  return new Response(text + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function nonNegative(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `sseResponse: ${name} must be an integer >= 0, got ${value}`,
    );
  }
  return value;
}

function gapFrame(gap: SseGap): string {
  return formatSseMessage({ event: "gap", data: JSON.stringify(gap) });
}

/**
 * Streams the events of `bus` that match `pattern` as Server-Sent Events.
 * Each event is one message: `id:` its resume token (its bus position,
 * when it has one), `event:` its type, `data:` its CloudEvents JSON.
 *
 * - **Resume**: a client reconnecting with `Last-Event-ID` (as
 *   `EventSource` does by itself) first receives every matching event it
 *   missed, then live ones, with no gap and no repeat: nats replays its
 *   stream after that sequence; local replays its ring (create it with
 *   `history`). When that is not possible the client first gets an
 *   `event: gap` whose data ({@linkcode SseGap}) says why: `"expired"`
 *   (older than the history; the oldest kept events follow) or
 *   `"unknown"` (a token of another bus, transport or stream, or
 *   malformed; new events follow). Tokens are never refused with an HTTP
 *   error, so `EventSource` keeps reconnecting.
 * - **End**: when the client goes away (the server cancels the body),
 *   `options.signal` aborts or the bus closes; the subscription is
 *   released.
 * - **Backpressure**: at most `buffer` events wait for a slow client; then
 *   the oldest are dropped and counted (`event: gap`, reason
 *   `"overflow"`). Memory never grows without bound.
 * - The response is returned once the subscription is ready, so an
 *   `EventSource` `open` means no later event will be missed.
 *
 * Statuses: 200 with `text/event-stream`; 403 (or the `Response` from
 * `authorize`) when not authorized; 503 when the bus is closed or the
 * subscription failed.
 *
 * @param bus Any `EventBus`.
 * @param pattern The types to stream: a type or a pattern (`*`, `>`).
 * @param options The request, `authorize`, `types`, `keepAlive`, ...
 * @returns A `Response` for `Deno.serve`, `Bun.serve`, Hono, edge
 * runtimes, or Node through a small adapter (see README).
 * @throws {EventTypeError} (as a rejection) for a malformed `pattern` or
 * `types` entry, or one that selects no type of the catalog.
 *
 * @example With Deno.serve
 * ```ts ignore
 * import { createLocalEventBus, mcbEvents } from "@mcb/event-bus";
 * import { sseResponse } from "@mcb/event-bus/sse";
 *
 * const bus = createLocalEventBus(mcbEvents, { history: 1000 });
 * Deno.serve((request) =>
 *   sseResponse(bus, ">", {
 *     request,
 *     authorize: (r) => r.headers.get("cookie") === "session=ok",
 *   })
 * );
 * ```
 */
export async function sseResponse<C extends EventCatalog>(
  bus: EventBus<C>,
  pattern: string,
  options: SseOptions = {},
): Promise<Response> {
  if (typeof Request !== "undefined" && options instanceof Request) {
    throw new TypeError(
      "sseResponse(bus, pattern, options): pass the request as { request }, not as the options",
    );
  }
  const request = options.request;
  const keepAlive = nonNegative("keepAlive", options.keepAlive ?? 15_000);
  const retry = options.retry === undefined
    ? undefined
    : nonNegative("retry", options.retry);
  const buffer = options.buffer ?? 1024;
  if (!Number.isSafeInteger(buffer) || buffer < 1) {
    throw new RangeError(
      `sseResponse: buffer must be a positive integer, got ${buffer}`,
    );
  }
  const allowed = options.types === undefined
    ? undefined
    : new Set(options.types.flatMap((p) => {
      const types = bus.catalog.typesMatching(p);
      if (types.length === 0) {
        throw noSuchType(p, bus.catalog.types, true);
      }
      return types;
    }));
  if (options.authorize !== undefined) {
    if (request === undefined) {
      throw new TypeError("sseResponse: authorize needs options.request");
    }
    const verdict = await options.authorize(request);
    if (verdict instanceof Response) return verdict;
    if (verdict !== true) return plain(403, "forbidden");
  }
  if (bus.closed) return plain(503, "the event bus is closed");

  // One signal for both reasons to stop; its listeners go at the end.
  const stop = new AbortController();
  const sources = options.signal === undefined ? [] : [options.signal];
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let head = retry === undefined ? "" : formatSseMessage({ retry });
  head += formatSseComment("connected");
  let done = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastWrite = Date.now();
  const write = (text: string) => {
    if (done) return;
    if (controller === undefined) head += text;
    else {
      controller.enqueue(encoder.encode(text));
      lastWrite = Date.now();
    }
  };
  const finish = () => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearInterval(timer);
    for (const s of sources) s.removeEventListener("abort", onAbort);
    void stream.return?.();
  };
  const onAbort = () => {
    stop.abort();
    const c = controller;
    finish();
    try {
      c?.close();
    } catch { /* already closed or cancelled */ }
  };

  const after = decodeResumeToken(
    options.lastEventId !== undefined
      ? options.lastEventId
      : request?.headers.get("last-event-id"),
  );
  const onGap = (gap: ResumeGap) =>
    write(gapFrame({
      reason: gap.reason,
      after: gap.after,
      message: gap.message,
    }));
  let stream: ReturnType<EventBus<C>["events"]>;
  try {
    stream = bus.events(pattern, {
      buffer,
      signal: stop.signal,
      ...(after === undefined ? {} : { from: { after }, onGap }),
    });
  } catch (error) {
    if (error instanceof BusClosedError) {
      return plain(503, "the event bus is closed");
    }
    throw error;
  }
  for (const s of sources) s.addEventListener("abort", onAbort, { once: true });
  if (sources.some((s) => s.aborted)) onAbort();
  try {
    await stream.ready;
  } catch (error) {
    finish();
    return plain(
      503,
      `the event subscription failed: ${(error as Error)?.message ?? error}`,
    );
  }

  let dropped = 0;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(encoder.encode(head));
      if (done) {
        c.close();
        return;
      }
      if (keepAlive > 0) {
        timer = setInterval(() => {
          if (
            !done && (c.desiredSize ?? 0) > 0 &&
            Date.now() - lastWrite >= keepAlive / 2
          ) write(KEEP_ALIVE);
        }, keepAlive);
      }
    },
    async pull(c) {
      // Writes at least one message (or ends the stream) per call; it is
      // called again only when the client has taken what was written.
      while (!done) {
        const next = await stream.next();
        if (done) return;
        if (next.done) {
          finish();
          c.close();
          return;
        }
        let text = "";
        if (stream.dropped > dropped) {
          const lost = stream.dropped - dropped;
          dropped = stream.dropped;
          text += gapFrame({
            reason: "overflow",
            dropped: lost,
            message:
              `${lost} events were dropped: this client read more than ${buffer} events behind`,
          });
        }
        const event: CloudEvent = next.value;
        if (allowed === undefined || allowed.has(event.type)) {
          text += formatSseMessage({
            id: encodeResumeToken(bus.position(event)),
            event: event.type,
            data: encodeCloudEvent(event),
          });
        }
        if (text !== "") {
          write(text);
          return;
        }
      }
    },
    cancel() {
      stop.abort();
      finish();
    },
  });

  const headers = new Headers(options.headers);
  headers.set("content-type", "text/event-stream");
  if (!headers.has("cache-control")) {
    headers.set("cache-control", "no-cache, no-transform");
  }
  // Tells nginx-style proxies not to buffer the stream.
  if (!headers.has("x-accel-buffering")) headers.set("x-accel-buffering", "no");
  return new Response(body, { status: 200, headers });
}
