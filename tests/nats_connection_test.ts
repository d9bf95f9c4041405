// Connecting, provisioning and reconnecting of the nats transport, against
// a real nats-server (JetStream + WebSocket, loopback).
import assert from "node:assert/strict";
import { z } from "zod";
import { nanos, wsconnect } from "@nats-io/nats-core";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import { defineEvents, type ErrorContext } from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import {
  type ConnectionStatus,
  NatsConnectionError,
  PublishRejectedError,
  PublishTimeoutError,
  StreamConfigError,
} from "../src/nats/mod.ts";
import { freePort, startNatsServer } from "./nats_server.ts";
import { userAgent } from "./_runtime.ts";
import { rejection, withTimeout } from "./_timeouts.ts";

const events = defineEvents({
  "order.created": z.object({ n: z.number().int() }),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Nats = Parameters<typeof createEventBus>[1] & { transport: "nats" };
/** A nats bus over `events`. */
const natsBus = (
  nats: Nats["nats"],
  onError?: Nats["onError"],
  onStatus?: (s: ConnectionStatus) => void,
) => createEventBus(events, { transport: "nats", nats, onError, onStatus });
// NATS clients keep timers and sockets that outlive a test's last await.
const T = { sanitizeOps: false, sanitizeResources: false };

/**
 * Whether this runtime's default socket is npm `ws` (Deno and Node, by the
 * `deno` and `node` conditions of package.json "imports"), read from the
 * user agent, not from the library.
 */
const serverSocket = /^(Deno|Node\.js)\//.test(userAgent());

Deno.test({
  name: serverSocket
    ? "createEventBus() needs no global WebSocket here (npm ws): it connects, publishes and delivers without one"
    : "createEventBus() without a global WebSocket fails at once with a clear error",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket");
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
    try {
      if (serverSocket) {
        // What a Node 20 process (no global WebSocket) sees.
        await using bus = await withTimeout(
          natsBus({ servers: server.wsUrl }),
          10_000,
          "createEventBus() without a global WebSocket",
        );
        const got = withTimeout(bus.once("order.created"), 10_000, "once");
        await bus.publish("order.created", { n: 7 });
        assert.equal((await got).data.n, 7);
        return;
      }
      const started = Date.now();
      const error = await rejection(
        natsBus({ servers: server.wsUrl }),
        1000,
        "createEventBus() without WebSocket",
      );
      assert.ok(error instanceof NatsConnectionError, String(error));
      assert.match(error.message, /WebSocket/);
      assert.ok(Date.now() - started < 1000);
    } finally {
      Object.defineProperty(globalThis, "WebSocket", saved!);
    }
    assert.equal(typeof globalThis.WebSocket, "function");
  },
});

Deno.test({
  name:
    "createEventBus() against no server fails with NatsConnectionError naming the server",
  ...T,
  fn: async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    const error = await rejection(
      natsBus({ servers: url, connectTimeout: 2000 }),
      6000,
      "createEventBus() against no server",
    );
    assert.ok(error instanceof NatsConnectionError, String(error));
    assert.ok(error.message.includes(url), error.message);
    // Deno and Node (npm ws) know the socket's error code; elsewhere the
    // client's text comes with what to check.
    assert.match(
      error.message,
      /nothing listens there \(connection refused\)|that the server runs/,
    );
    assertCauseAdds(error);
  },
});

/** The message explains; a cause, if any, is not quoted in it again. */
function assertCauseAdds(error: Error): void {
  const cause = error.cause as Error | undefined;
  if (cause?.message) {
    assert.ok(
      !error.message.includes(cause.message),
      `the message repeats its cause: ${error.message}`,
    );
  }
}

Deno.test({
  name:
    'createEventBus() with a ws:// URL aimed at the NATS client port says so (not "operation was canceled")',
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const url = `ws://127.0.0.1:${server.port}`;
    const error = await rejection(
      natsBus({ servers: url, connectTimeout: 2000, maxReconnectAttempts: 0 }),
      6000,
      "createEventBus() against the client port",
    );
    assert.ok(error instanceof NatsConnectionError, String(error));
    assert.ok(error.message.includes(url), error.message);
    assert.match(error.message, /client port/);
    assert.match(error.message, /websocket listener/);
    assertCauseAdds(error);
  },
});

Deno.test({
  name:
    "createEventBus() stream provisioning: a compatible stream is reused, an incompatible one is a StreamConfigError naming the setting",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const nc = await wsconnect({ servers: server.wsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({
        name: "PROV_AGE",
        subjects: ["prov.age.>"],
        storage: StorageType.Memory,
        max_age: nanos(60_000),
        duplicate_window: nanos(60_000),
      });
      const base = { servers: server.wsUrl, storage: "memory" as const };
      // Same settings: the stream is reused as it is.
      const bus = await natsBus({
        ...base,
        stream: "PROV_AGE",
        subjectPrefix: "prov.age",
        maxAge: 60_000,
        duplicateWindow: 60_000,
      });
      const sent = await bus.publish("order.created", { n: 1 });
      await bus.close();
      const info = await jsm.streams.info("PROV_AGE");
      assert.equal(info.state.messages, 1, `${sent.id} stored`);
      assert.equal(info.config.max_age, nanos(60_000));

      // Other max_age: refused, naming the setting and the option.
      const age = await rejection(
        natsBus({ ...base, stream: "PROV_AGE", subjectPrefix: "prov.age" }),
        5000,
        "createEventBus() with another maxAge",
      );
      assert.ok(age instanceof StreamConfigError, String(age));
      assert.match(age.message, /PROV_AGE/);
      assert.match(age.message, /max_age \(option maxAge\)/);
      assert.match(age.message, /expected 0 ms, found 60000 ms/);

      // Other storage: refused likewise.
      const storage = await rejection(
        natsBus({
          ...base,
          storage: "file",
          stream: "PROV_AGE",
          subjectPrefix: "prov.age",
          maxAge: 60_000,
          duplicateWindow: 60_000,
        }),
        5000,
        "createEventBus() with another storage",
      );
      assert.ok(storage instanceof StreamConfigError, String(storage));
      assert.match(storage.message, /storage \(option storage\)/);
      assert.deepEqual(
        (storage as StreamConfigError).differences.map((d) => d.split(" ")[0]),
        ["storage"],
      );
      // Nothing was changed on the server.
      const after = await jsm.streams.info("PROV_AGE");
      assert.equal(after.config.max_age, nanos(60_000));
      assert.equal(after.config.storage, StorageType.Memory);
    } finally {
      await nc.close();
    }
  },
});

Deno.test({
  name:
    "createEventBus() with provision: false creates no stream; publish then rejects within publishTimeout",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const bus = await withTimeout(
      natsBus({
        servers: server.wsUrl,
        stream: "PROV_NONE",
        subjectPrefix: "prov.none",
        provision: false,
        publishTimeout: 1500,
      }),
      5000,
      "createEventBus() with provision: false",
    );
    const nc = await wsconnect({ servers: server.wsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const names: string[] = [];
      for await (const name of jsm.streams.names()) names.push(name);
      assert.deepEqual(names, [], "no stream was created");

      const started = Date.now();
      const error = await rejection(
        bus.publish("order.created", { n: 1 }),
        1500 + 2500,
        "publish() without a stream",
      );
      const took = Date.now() - started;
      assert.ok(took < 1500 + 2500, `took ${took} ms`);
      assert.ok(
        error instanceof PublishTimeoutError ||
          error instanceof PublishRejectedError,
        String(error),
      );
      assert.equal(bus.stats().published, 0);
      // A clear error says what is missing: JetStream is enabled, but no
      // stream stores the subject (today: "last error: jetstream is not
      // enabled", which sends the reader looking at the server config).
      assert.doesNotMatch(error.message, /jetstream is not enabled/i);
      assert.match(error.message, /PROV_NONE|prov\.none\.order\.created/);
    } finally {
      await nc.close();
      await bus.close();
    }
  },
});

Deno.test({
  name:
    "subscribe() with provision: false and no stream: ready rejects, the subscription ends; reported once (to ready when read, else to onError)",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const reports: [unknown, ErrorContext][] = [];
    const bus = await natsBus({
      servers: server.wsUrl,
      stream: "PROV_NOSUB",
      subjectPrefix: "prov.nosub",
      provision: false,
    }, (e, ctx) => reports.push([e, ctx]));
    try {
      const sub = bus.subscribe("order.created", () => {});
      const error = await rejection(sub.ready, 5000, "ready without a stream");
      assert.match(String(error), /stream not found/i);
      await sleep(200);
      assert.equal(sub.closed, true);
      assert.equal(bus.hasSubscribers("order.created"), false);
      assert.equal(reports.length, 0, "ready was read: not also to onError");
      // Not read: onError hears it, once.
      const unread = bus.subscribe("order.*", () => {});
      const deadline = Date.now() + 5000;
      while (!unread.closed && Date.now() < deadline) await sleep(20);
      await sleep(200);
      assert.deepEqual(
        reports.map(([e, ctx]) => [String(e), ctx.kind, ctx.pattern]),
        [[String(error), "transport", "order.*"]],
        "one report per failure",
      );
    } finally {
      await bus.close();
    }
  },
});

Deno.test({
  name:
    "publish() (nats reconnect): every acknowledged event is delivered across two server restarts",
  ...T,
  fn: async () => {
    await using server = await startNatsServer(); // file storage: kept
    const nats = {
      servers: server.wsUrl,
      stream: "RECONNECT",
      subjectPrefix: "recon",
      storage: "file" as const,
      publishTimeout: 15_000,
      reconnectTimeWait: 200,
      reconnectJitter: 100,
    };
    const reports: string[] = [];
    const onError = (e: unknown) => reports.push(String(e));
    const pubStatuses: ConnectionStatus[] = [];
    const subscriber = await natsBus(nats, onError);
    const publisher = await natsBus(nats, onError, (s) => pubStatuses.push(s));
    const subStatuses: ConnectionStatus[] = [];
    const following = (async () => {
      for await (const s of subscriber.status()) subStatuses.push(s);
    })();
    const count = (statuses: ConnectionStatus[], type: string) =>
      statuses.filter((s) => s.type === type).length;
    const healthSeen = new Set<string>();
    const probe = setInterval(() => {
      healthSeen.add(publisher.health().status);
      healthSeen.add(subscriber.health().status);
    }, 10);
    try {
      const deliveries = new Map<string, number>();
      const sub = subscriber.subscribe("order.created", (e) => {
        deliveries.set(e.id, (deliveries.get(e.id) ?? 0) + 1);
      });
      await sub.ready;

      const TOTAL = 300;
      const acked = new Set<string>();
      let rejected = 0;
      let next = 0;
      const worker = async () => {
        while (next < TOTAL) {
          const n = next++;
          try {
            acked.add((await publisher.publish("order.created", { n })).id);
          } catch {
            rejected++;
          }
          await sleep(2);
        }
      };
      const publishing = Promise.all([...Array(10)].map(worker));
      const restarts = (async () => {
        // Restart i once `at` publishes settled and both buses came back
        // from restart i - 1.
        for (const [i, at] of [80, 150].entries()) {
          const until = Date.now() + 20_000;
          while (
            (acked.size + rejected < at ||
              count(pubStatuses, "reconnected") < i ||
              count(subStatuses, "reconnected") < i) && Date.now() < until
          ) await sleep(5);
          await server.restart();
        }
      })();
      await withTimeout(
        Promise.all([publishing, restarts]),
        50_000,
        "publishing across restarts",
      );
      // Generous: the client reconnects within about a second.
      const WAIT = 12_000;
      const deadline = Date.now() + WAIT;
      while (
        [...acked].some((id) => !deliveries.has(id)) && Date.now() < deadline
      ) await sleep(50);

      const lost = [...acked].filter((id) => !deliveries.has(id));
      const duplicates = [...deliveries.values()]
        .reduce((sum, n) => sum + n - 1, 0);
      console.log(
        `published ${TOTAL} / acknowledged ${acked.size} / rejected ${rejected} / delivered ${deliveries.size} / duplicates ${duplicates} / lost ${lost.length} (transport reports: ${reports.length})`,
      );
      assert.equal(acked.size + rejected, TOTAL);
      assert.ok(acked.size > 0);

      // Both buses saw each outage and came back (onStatus starts with the
      // first connection; status() only reports changes from now on).
      assert.equal(pubStatuses[0]?.type, "connected");
      for (const statuses of [pubStatuses, subStatuses]) {
        const types = statuses.map((s) => s.type).join(",");
        assert.ok(count(statuses, "disconnected") >= 2, types);
        assert.ok(count(statuses, "reconnected") >= 2, types);
        assert.match(types, /reconnected$/);
      }
      assert.ok(
        healthSeen.has("disconnected") || healthSeen.has("reconnecting"),
        [...healthSeen].join(","),
      );
      assert.equal(publisher.health().ok, true);
      assert.equal(subscriber.health().status, "connected");

      assert.equal(
        lost.length,
        0,
        `acknowledged but not delivered ${WAIT} ms after the last publish: ${
          lost.slice(0, 5).join(", ")
        }...`,
      );
    } finally {
      clearInterval(probe);
      await publisher.close();
      await subscriber.close();
      await withTimeout(following, 2000, "status() did not end at close");
    }
  },
});
