/**
 * A live admin panel over Server-Sent Events: a Deno server with the page
 * (`/`, examples/sse-panel.html, which reads `/events` with `EventSource`)
 * and the event stream (`/events`, `sseResponse`). When the connection
 * drops, the browser reconnects by itself with `Last-Event-ID` and gets
 * every event it missed, then live ones.
 *
 * Run it (local transport, with a demo publisher):
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 --allow-env --allow-read=examples examples/sse-server.ts --demo
 * ```
 *
 * and open the URL it prints. The bus comes from the library's environment
 * variables (`configFromEnv`), e.g. `MCB_EVENT_BUS_TRANSPORT=nats
 * MCB_EVENT_BUS_NATS_SERVERS=ws://127.0.0.1:8080` for a NATS stream; the
 * local transport is created with a ring of 1000 events (`history`) so
 * that it can resume too.
 *
 * The stream is not open to anyone: `/events` needs the token of
 * `SSE_PANEL_TOKEN` (random if unset, printed at start) as `?token=` (what
 * the page sends, since `EventSource` cannot set headers) or as
 * `Authorization: Bearer`. A token in a URL ends up in logs and browser
 * history: behind a real login, use a session cookie instead (EventSource
 * sends cookies).
 *
 * Flags: `--port N` (default 8000; 0 picks a free one), `--hostname H`
 * (default 127.0.0.1), `--pattern P` (default `>`), `--demo` (publish a
 * made-up indexing run, one event a second).
 *
 * @module
 */

import { configFromEnv, type EventBus, mcbEvents } from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { sseResponse } from "../src/sse/mod.ts";

/** Options of {@linkcode startSseServer}. */
export interface SseServerOptions {
  /** The bus to stream (any transport; local needs `history` to resume). */
  bus: EventBus;
  /** The secret `/events` requires. */
  token: string;
  /** @default {"127.0.0.1"} */
  hostname?: string;
  /** @default {8000}; 0 picks a free port (kept across stop/start). */
  port?: number;
  /** The types to stream. @default {">"} */
  pattern?: string;
  /** The browser's reconnection delay, ms. @default {1000} */
  retry?: number;
}

/** A running (or stopped) server. */
export interface SseServer {
  /** The port it listens on. */
  readonly port: number;
  /** The page's URL, with the token. */
  readonly url: string;
  /** Whether it listens now. */
  readonly listening: boolean;
  /** Ends every event stream and stops listening (the bus stays open). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

const PAGE = new URL("./sse-panel.html", import.meta.url);

/** Compares secrets without an early exit on the first difference. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  }
  return diff === 0;
}

/** Starts the panel server; see the module documentation. */
export async function startSseServer(
  options: SseServerOptions,
): Promise<SseServer> {
  const { bus, token } = options;
  if (token.length < 8) throw new Error("token: at least 8 characters");
  const hostname = options.hostname ?? "127.0.0.1";
  const pattern = options.pattern ?? ">";
  const types = bus.catalog.typesMatching(pattern);
  const page = (await Deno.readTextFile(PAGE)).replace(
    `["__EVENT_TYPES__"]`,
    // Type names are [A-Za-z0-9_.-]: safe inside a <script> element.
    JSON.stringify(types),
  );
  let port = options.port ?? 8000;
  let server: Deno.HttpServer | undefined;
  let streams = new AbortController();

  const authorize = (request: Request): boolean => {
    const url = new URL(request.url);
    const given = url.searchParams.get("token") ??
      request.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ??
      "";
    return sameSecret(given, token);
  };

  const handler = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (request.method !== "GET") {
      return new Response("method not allowed\n", { status: 405 });
    }
    if (pathname === "/") {
      return new Response(page, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy":
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        },
      });
    }
    if (pathname !== "/events") {
      return new Response("not found\n", { status: 404 });
    }
    return await sseResponse(bus, pattern, {
      request,
      signal: streams.signal,
      authorize,
      retry: options.retry ?? 1000,
    });
  };

  const listen = () =>
    new Promise<void>((resolve) => {
      server = Deno.serve({
        hostname,
        port,
        onListen: (addr) => {
          port = addr.port;
          resolve();
        },
      }, handler);
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://${hostname}:${port}/?token=${encodeURIComponent(token)}`;
    },
    get listening() {
      return server !== undefined;
    },
    async stop() {
      const s = server;
      if (s === undefined) return;
      server = undefined;
      streams.abort(); // ends every event stream, so shutdown can finish
      await s.shutdown();
      streams = new AbortController();
    },
    async start() {
      if (server !== undefined) return;
      await listen();
    },
  };
}

/** A made-up indexing run, one event a second, for a lively demo. */
function demo(bus: EventBus<typeof mcbEvents>, signal: AbortSignal): void {
  let processed = 0;
  const timer = setInterval(() => {
    processed = (processed + 7) % 120;
    bus.publish("indexing.progress", {
      collection: "docs",
      processed,
      total: 120,
      current_file: `src/file_${processed}.ts`,
    }).catch((error) => console.error("demo publish failed:", error));
  }, 1000);
  signal.addEventListener("abort", () => clearInterval(timer));
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

if (import.meta.main) {
  const args = Deno.args;
  const config = configFromEnv(Deno.env.toObject());
  const bus = config.transport === "local"
    ? await createEventBus(mcbEvents, { ...config, history: 1000 })
    : await createEventBus(mcbEvents, config);
  const token = Deno.env.get("SSE_PANEL_TOKEN") ??
    crypto.randomUUID().replaceAll("-", "");
  const server = await startSseServer({
    bus,
    token,
    hostname: flag(args, "--hostname"),
    port: Number(flag(args, "--port") ?? 8000),
    pattern: flag(args, "--pattern"),
  });
  const stopDemo = new AbortController();
  if (args.includes("--demo")) demo(bus, stopDemo.signal);
  console.log(
    `sse-server: ${bus.transport} bus, listening on http://${
      flag(args, "--hostname") ?? "127.0.0.1"
    }:${server.port}/ (open ${server.url})`,
  );
  const quit = async () => {
    stopDemo.abort();
    await server.stop();
    await bus.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", quit);
  Deno.addSignalListener("SIGTERM", quit);
}
