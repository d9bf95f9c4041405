// The library inside Cloudflare's runtime: the Worker fixtures in
// tests/fixtures/workerd/ are bundled for the browser platform (the shared
// `deno bundle` helper) and run in workerd, driven by miniflare from Deno,
// with no compatibility flags (no nodejs_compat: src/ is web-standard).
//
// - local: from inside a Worker, a pattern subscription gets its events in
//   order with their data, bad data is a typed ValidationError naming the
//   fields, a per-isolate bus outlives the request, and the bundle holds no
//   NATS code.
// - nats: a real nats-server (JetStream + WebSocket, 127.0.0.1 only). Within
//   one request the Worker subscribes over `ws://`, says it is ready, and
//   answers each ping that this Deno process publishes with a pong published
//   into JetStream: the Worker receives Deno's events (ids, types, data), the
//   Deno bus receives the Worker's, and the stream holds them (acknowledged,
//   replayed with `from: "all"`). Prints the round trip; asserts no timing.
import assert from "node:assert/strict";
// @ts-types="./fixtures/workerd/miniflare_types.d.ts"
import { Miniflare } from "miniflare";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { createEventBus } from "../src/config/mod.ts";
import { denoBundle } from "../scripts/bundle/deno_bundle.ts";
import { type NatsServer, startNatsServer } from "./nats_server.ts";
import { withTimeout } from "./_timeouts.ts";
import { EDGE_STREAM, edgeEvents } from "./fixtures/workerd/edge_catalog.ts";
import type { LocalReport } from "./fixtures/workerd/local_worker.ts";
import type { ExchangeLine } from "./fixtures/workerd/nats_worker.ts";

const FIXTURES = new URL("./fixtures/workerd/", import.meta.url);
const COMPATIBILITY_DATE = "2025-09-01";
const WAIT_MS = 10_000;

/** Bundles a fixture into a temp dir, runs it in workerd, then cleans up. */
async function withWorker<T>(
  fixture: string,
  bindings: Record<string, string>,
  use: (mf: Miniflare, code: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "edge-workerd-" });
  try {
    const { code } = await denoBundle(new URL(fixture, FIXTURES), {
      output: `${dir}/${fixture.replace(/\.ts$/, ".js")}`,
      platform: "browser",
      minify: false, // see BundleOptions.minify (esbuild drops `using`)
    });
    // cf: false, so that miniflare does not fetch Request.cf from the net.
    const mf = new Miniflare({
      modules: true,
      script: code,
      compatibilityDate: COMPATIBILITY_DATE,
      bindings,
      cf: false,
    });
    try {
      return await use(mf, code);
    } finally {
      await mf.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Items that arrive over time, and a bounded wait for the first `n`. */
class Inbox<T> {
  readonly items: T[] = [];
  #wake: (() => void)[] = [];

  push(item: T): void {
    this.items.push(item);
    for (const wake of this.#wake.splice(0)) wake();
  }

  /** The first `n` items; `what()` names them if they do not all come. */
  async first(n: number, what: () => string): Promise<T[]> {
    let gaveUp = false;
    const arrived = (async () => {
      while (!gaveUp && this.items.length < n) {
        await new Promise<void>((r) => this.#wake.push(r));
      }
    })();
    try {
      await withTimeout(arrived, WAIT_MS, "inbox");
    } catch {
      throw new Error(
        `${what()}: ${this.items.length} of ${n} in ${WAIT_MS} ms`,
      );
    } finally {
      gaveUp = true;
      for (const wake of this.#wake.splice(0)) wake();
    }
    return this.items.slice(0, n);
  }
}

/** Reads a body of JSON lines into `inbox` until it ends or `signal` aborts. */
async function readLines(
  body: ReadableStream<Uint8Array>,
  inbox: Inbox<ExchangeLine>,
  signal: AbortSignal,
): Promise<void> {
  let pending = "";
  const text = body.pipeThrough(new TextDecoderStream(), { signal });
  for await (const chunk of text) {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) if (part.trim()) inbox.push(JSON.parse(part));
  }
}

/** Names of the clients connected to `server` (its /connz monitor page). */
async function clientNames(server: NatsServer): Promise<string[]> {
  const res = await fetch(
    `http://127.0.0.1:${server.monitorPort}/connz`,
    { signal: AbortSignal.timeout(WAIT_MS) },
  );
  const body = await res.json() as { connections?: { name?: string }[] };
  return (body.connections ?? []).map((c) => c.name ?? "");
}

/** Polls until `check()` is true; fails naming `what` after WAIT_MS. */
async function eventually(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + WAIT_MS;
  while (!await check()) {
    if (Date.now() > deadline) assert.fail(`${what} after ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** "p50 X ms, max Y ms" of `xs`. */
function summary(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  const p50 = sorted[Math.ceil(sorted.length / 2) - 1];
  return `p50 ${p50.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
}

Deno.test("workerd: local transport inside a Worker (patterns, validation, lifetimes)", async () => {
  await withWorker("local_worker.ts", {}, async (mf, code) => {
    assert.doesNotMatch(code, /\$JS\.API|wsconnect/, "NATS code in bundle");
    const reports: LocalReport[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await withTimeout(
        mf.dispatchFetch("http://worker.local/orders"),
        WAIT_MS,
        "local worker request",
      );
      const body = await res.json() as LocalReport & { error?: string };
      assert.equal(res.status, 200, body.error);
      reports.push(body);
    }
    for (const r of reports) {
      assert.equal(r.transport, "local");
      // "order.*" got the two order events, in order, with their data.
      assert.deepEqual(r.received.map((e) => [e.type, e.data]), [
        ["order.created", { id: 1, total: 9.5 }],
        ["order.shipped", { id: 1 }],
      ]);
      assert.ok(r.received.every((e) => e.source === "/workerd/local"));
      assert.notEqual(r.received[0].id, r.received[1].id);
      assert.deepEqual(r.all, [
        "order.created",
        "user.signed_up",
        "order.shipped",
      ]);
      assert.deepEqual(r.validation, {
        name: "ValidationError",
        isValidationError: true,
        paths: ["data.id", "data.total"],
      });
      assert.equal(r.stats.published, 3);
      assert.equal(r.stats.delivered, 5);
      assert.equal(r.stats.handlerErrors, 0);
    }
    // A bus per request (new ids), one bus for the isolate (it counts both).
    assert.notEqual(reports[0].received[0].id, reports[1].received[0].id);
    assert.deepEqual(reports.map((r) => r.isolateRequests), [1, 2]);
  });
});

Deno.test("workerd: nats transport inside a Worker over ws://, both ways, acknowledged", async () => {
  const N = 20;
  await using server = await startNatsServer();
  const bus = await createEventBus(edgeEvents, {
    transport: "nats",
    source: "/deno/edge-test",
    nats: { servers: server.wsUrl, ...EDGE_STREAM },
  });
  try {
    const pongs = new Inbox<{ id: string; data: unknown; position?: string }>();
    const live = bus.subscribe("edge.pong", (e) => {
      pongs.push({ id: e.id, data: e.data, position: bus.position(e) });
    });
    await withTimeout(live.ready, WAIT_MS, "Deno subscription ready");

    const bindings = { NATS_URL: server.wsUrl };
    await withWorker("nats_worker.ts", bindings, async (mf) => {
      const res = await withTimeout(
        mf.dispatchFetch(`http://worker.local/exchange?n=${N}&timeout=15000`),
        WAIT_MS,
        "nats worker response",
      );
      assert.equal(res.status, 200);
      const lines = new Inbox<ExchangeLine>();
      const stopReading = new AbortController();
      const reading = readLines(res.body!, lines, stopReading.signal);
      // What the Worker said last (its error, if it failed).
      const last = () =>
        JSON.stringify(
          lines.items.find((l) => l.kind === "error") ?? lines.items.at(-1),
        );
      try {
        const [first] = await lines.first(1, () => "Worker's ready line");
        assert.equal(first.kind, "ready", JSON.stringify(first));
        assert.ok((await clientNames(server)).includes("/workerd/nats"));

        // Ping-pong, one at a time: Deno publish -> Worker handler -> Worker
        // publish (acked) -> Deno handler.
        const pings: { id: string; sentAt: number }[] = [];
        const roundTrips: number[] = [];
        for (let n = 0; n < N; n++) {
          const start = performance.now();
          const sentAt = Date.now();
          const ping = await bus.publish("edge.ping", { n, note: `ping ${n}` });
          pings.push({ id: ping.id, sentAt });
          await pongs.first(n + 1, () => `pong ${n} (Worker: ${last()})`);
          roundTrips.push(performance.now() - start);
        }
        const all = await lines.first(
          2 * N + 2,
          () => `Worker's lines (${last()})`,
        );
        await withTimeout(reading, WAIT_MS, "end of the Worker's response");
        // The Worker's connection ends with its request (the fixture closes
        // its bus with ctx.waitUntil(bus.close())).
        await eventually(
          async () => !(await clientNames(server)).includes("/workerd/nats"),
          "the Worker's NATS connection is still open",
        );
        assert.deepEqual(all.at(-1), { kind: "done", received: N });
        assert.equal(all.length, 2 * N + 2, JSON.stringify(all.slice(2 * N)));

        const received = all.filter((l) => l.kind === "received");
        const published = all.filter((l) => l.kind === "published");
        // The Worker got Deno's events: ids, types, source, data, in order.
        assert.deepEqual(
          received.map((l) => [l.id, l.type, l.source, l.data]),
          pings.map((p, n) => [p.id, "edge.ping", "/deno/edge-test", {
            n,
            note: `ping ${n}`,
          }]),
        );
        // Each Worker publish was acknowledged with its stream position...
        for (const [n, l] of published.entries()) {
          assert.equal(l.type, "edge.pong");
          assert.deepEqual(l.data, { n, pingId: pings[n].id });
          assert.match(l.position ?? "", /^n:WORKERD_EDGE:\d+$/);
        }
        // ...and Deno got exactly those events, at those positions.
        assert.deepEqual(
          pongs.items.map((p) => [p.id, p.data, p.position]),
          published.map((l) => [l.id, l.data, l.position]),
        );
        assert.equal(new Set(published.map((l) => l.id)).size, N);

        // Stored: the stream holds N pings + N pongs, and replays the pongs.
        const jsm = await jetstreamManager(bus.connection as NatsConnection);
        const info = await jsm.streams.info(EDGE_STREAM.stream);
        assert.equal(info.state.messages, 2 * N);
        const replay = new Inbox<string>();
        using _ = bus.subscribe("edge.pong", (e) => replay.push(e.id), {
          from: "all",
        });
        assert.deepEqual(
          await replay.first(N, () => "replayed pongs"),
          published.map((l) => l.id),
        );

        // Timings, printed only (one line). workerd's clock moves in 1 ms
        // steps, on I/O; Date.now() is the same wall clock on both sides.
        const oneWay = received.map((l, n) => l.at - pings[n].sentAt);
        const acks = published.map((l) => l.ackMs);
        console.log(
          `workerd: round trip ${summary(roundTrips)} (n=${N}; Deno publish ` +
            `-> Worker handler -> Worker publish acked -> Deno handler); ` +
            `Deno publish -> Worker handler ${summary(oneWay)}; ` +
            `Worker publish ack ${summary(acks)}`,
        );
      } finally {
        stopReading.abort();
        await reading.catch(() => {});
      }
    });
  } finally {
    await bus.close();
  }
});
