// `caughtUp` on the nats transport (a real nats-server, loopback): a
// filtered replay with other types interleaved in the stream resolves
// after exactly the matching history (the consumer's pending count, not
// the stream's last sequence); a resumed one after the events following
// its position; group and ephemeral-only subscriptions resolve at once.
import assert from "node:assert/strict";
import type { CaughtUp } from "../mod.ts";
import { startNatsServer } from "./nats_server.ts";
import { openBus, range, waitUntil } from "./fixtures/nats_delivery.ts";

const nats = { sanitizeOps: false, sanitizeResources: false };

/** Resolves once `promise` did, with `read()` taken at that moment. */
async function whenCaught<T>(
  promise: Promise<CaughtUp>,
  read: () => T,
): Promise<{ caught: CaughtUp; seen: T }> {
  let result: { caught: CaughtUp; seen: T } | undefined;
  promise.then((caught) => (result = { caught, seen: read() }));
  await waitUntil(() => result !== undefined, "caughtUp");
  return result!;
}

Deno.test({
  name:
    "caughtUp: a filtered replay with other types interleaved resolves after exactly the matching history",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    await using pub = await openBus(server, "caught");
    const placed = [];
    for (const n of range(0, 300)) {
      // Two other events around each matching one, the last one included:
      // the stream's last sequence is never a matching event.
      await pub.publish("order.shipped", { n });
      placed.push(await pub.publish("order.placed", { n }));
      await pub.publish("order.shipped", { n: -n });
    }

    await using late = await openBus(server, "caught");
    const got: number[] = [];
    const sub = late.subscribe("order.placed", (e) => {
      got.push(e.data.n);
    }, { from: "all" });
    const { caught, seen } = await whenCaught(sub.caughtUp, () => got.length);
    assert.equal(seen, 300, "delivered when caught up");
    assert.deepEqual(caught, {
      replayed: 300,
      position: pub.position(placed[299]),
    });
    assert.deepEqual(got, range(0, 300));

    // Resumed after the 250th: the 50 that follow are its history.
    const resumed: number[] = [];
    const after = late.subscribe("order.placed", (e) => {
      resumed.push(e.data.n);
    }, { from: { after: pub.position(placed[249])! } });
    const tail = await whenCaught(after.caughtUp, () => resumed.length);
    assert.equal(tail.seen, 50);
    assert.equal(tail.caught.replayed, 50);

    // Live afterwards, for both.
    await pub.publish("order.placed", { n: 300 });
    await waitUntil(
      () => got.length === 301 && resumed.length === 51,
      "the live event at both",
    );
    assert.equal(got[300], 300);
  },
});

Deno.test({
  name:
    "caughtUp: an empty stream, a group and an ephemeral-only subscription resolve at once with 0",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    await using bus = await openBus(server, "caught0");
    const empty = bus.subscribe("order.*", () => {}, { from: "all" });
    assert.deepEqual(await empty.caughtUp, {
      replayed: 0,
      position: undefined,
    });
    await bus.publish("order.shipped", { n: 1 });
    const none = bus.subscribe("order.placed", () => {}, { from: "all" });
    assert.equal((await none.caughtUp).replayed, 0, "no matching event");
    const group = bus.subscribe("order.*", () => {}, {
      group: "workers",
      from: "all",
    });
    assert.equal((await group.caughtUp).replayed, 0, "group");
    const ticks = bus.subscribe("metrics.tick", () => {});
    assert.equal((await ticks.caughtUp).replayed, 0, "ephemeral");
    await group.ready;
  },
});
