// Publishing and shutdown on the nats transport, on a real nats-server
// (loopback): de-duplication by id, retries after a timeout, ephemeral
// types, and close() draining a group member.
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";
import {
  managerOf,
  names,
  openBus,
  range,
  sleep,
  storedCount,
  waitUntil,
} from "./fixtures/nats_delivery.ts";

const nats = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "publish() with the same id twice stores one message (de-duplication)",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "dedup";
    await using bus = await openBus(server, tag);
    await using other = await openBus(server, tag);
    const seen: string[] = [];
    const sub = other.subscribe("order.placed", (e) => {
      seen.push(e.id);
    });
    await sub.ready;

    const a = await bus.publish("order.placed", { n: 1 }, { id: "fixed-id" });
    const b = await bus.publish("order.placed", { n: 1 }, { id: "fixed-id" });
    assert.equal(a.id, "fixed-id");
    assert.equal(b.id, "fixed-id");
    await bus.publish("order.placed", { n: 2 }, { id: "other-id" });
    await waitUntil(() => seen.length === 2, "the two distinct events");
    await sleep(200);

    assert.equal(await storedCount(bus, tag), 2);
    assert.deepEqual(seen, ["fixed-id", "other-id"]);
  },
});

Deno.test({
  name: "publish() retried after a forced timeout stores one message",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "retry";
    await using bus = await openBus(server, tag, { publishTimeout: 8000 });
    await bus.publish("order.placed", { n: 0 }); // stream and connection warm

    // Paused first, so that the first attempt surely times out (pausing
    // just after publish() races with the server's ack); both attempts sit
    // in the server's socket until resume, then the second is a duplicate.
    await server.pause();
    const started = Date.now();
    const pending = bus.publish("order.placed", { n: 1 }, { id: "retry-id" });
    let settled: string | false = false;
    pending.then(
      () => settled = `resolved after ${Date.now() - started} ms`,
      (e) => settled = `rejected after ${Date.now() - started} ms: ${e}`,
    );
    try {
      await sleep(2500); // the first attempt times out after 2 s
      assert.equal(settled, false, "publish settled while the server slept");
      assert.equal(bus.health().details?.publishesInFlight, 1);
    } finally {
      server.resume();
    }
    const event = await pending;
    const took = Date.now() - started;

    assert.equal(event.id, "retry-id");
    assert.ok(took >= 2500, `resolved after ${took} ms`);
    assert.equal(await storedCount(bus, tag), 2);
    const jsm = await managerOf(bus);
    const stored = await jsm.streams.getMessage(names(tag).stream, { seq: 2 });
    assert.equal(stored?.header.get("Nats-Msg-Id"), "retry-id");
    assert.equal(bus.health().details?.publishesInFlight, 0);
  },
});

Deno.test({
  name: "subscribe() ephemeral types arrive over core NATS and are not stored",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "ephemeral";
    await using pub = await openBus(server, tag);
    await using sink = await openBus(server, tag);
    const ticks: number[] = [];
    const orders: number[] = [];
    const s1 = sink.subscribe("metrics.tick", (e) => {
      ticks.push(e.data.n);
    });
    const s2 = sink.subscribe("order.placed", (e) => {
      orders.push(e.data.n);
    });
    await Promise.all([s1.ready, s2.ready]);

    for (const n of range(0, 3)) await pub.publish("metrics.tick", { n });
    await pub.publish("order.placed", { n: 10 });
    await waitUntil(
      () => ticks.length === 3 && orders.length === 1,
      "ticks and the order",
    );

    assert.deepEqual(ticks, [0, 1, 2]);
    assert.equal(await storedCount(pub, tag), 1, "only the order is stored");
    // A replay of the whole history has no ephemeral event either.
    const replayed: string[] = [];
    const all = sink.subscribe(">", (e) => {
      replayed.push(e.type);
    }, { from: "all" });
    await all.ready;
    await waitUntil(() => replayed.length === 1, "the replay");
    await sleep(100);
    assert.deepEqual(replayed, ["order.placed"]);
  },
});

Deno.test({
  name:
    "close() drains: no handler runs after close() resolves and an acked event is not lost",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "drain";
    const tuning = { ackWait: 1000 };
    await using pub = await openBus(server, tag, tuning);
    const log: { member: string; n: number; at: number; end?: number }[] = [];
    const slow = (member: string) => async (e: { data: { n: number } }) => {
      const entry: (typeof log)[number] = {
        member,
        n: e.data.n,
        at: performance.now(),
      };
      log.push(entry);
      await sleep(100);
      entry.end = performance.now();
    };
    const m1 = await openBus(server, tag, tuning);
    const s1 = m1.subscribe("order.placed", slow("m1"), { group: "drain" });
    await s1.ready;
    await Promise.all(
      range(0, 20).map((n) => pub.publish("order.placed", { n })),
    );
    await waitUntil(() => log.length >= 3, "m1 handling");

    await m1.close();
    const closedAt = performance.now();
    const byM1 = log.filter((l) => l.member === "m1");
    assert.ok(
      byM1.every((l) => l.end !== undefined && l.end <= closedAt),
      "close() resolved before a running handler finished",
    );
    await sleep(300);
    assert.deepEqual(
      log.filter((l) => l.member === "m1" && l.at > closedAt),
      [],
      "m1 handlers started after close() resolved",
    );
    const acked = new Set(byM1.map((l) => l.n));

    await using m2 = await openBus(server, tag, tuning);
    const s2 = m2.subscribe("order.placed", slow("m2"), { group: "drain" });
    await s2.ready;
    const handled = () => new Set(log.filter((l) => l.end).map((l) => l.n));
    await waitUntil(() => handled().size === 20, "every event handled", 8000);
    await sleep(200);

    assert.deepEqual([...handled()].sort((a, b) => a - b), range(0, 20));
    const again = log.filter((l) => l.member === "m2" && acked.has(l.n));
    assert.deepEqual(again, [], "events acked by m1 were delivered again");
  },
});
