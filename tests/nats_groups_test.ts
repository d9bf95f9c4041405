// A group's durable consumer, managed (src/nats/groups.ts): resetGroup
// rewinds it so its members get the stream again; deleteGroup removes it so
// the group can read another pattern; a GroupConfigError says how, and is
// reported once (to `ready` when read, else to onError).
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";
import { deleteGroup, GroupConfigError, resetGroup } from "../src/nats/mod.ts";
import {
  openBus,
  range,
  type Reported,
  waitUntil,
} from "./fixtures/nats_delivery.ts";

const server = await startNatsServer();
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

test("resetGroup: the group's members receive the stream again from the start; from: new skips it", async () => {
  await using bus = await openBus(server, "grp_reset");
  const first: number[] = [];
  const sub = bus.subscribe("order.placed", (e) => void first.push(e.data.n), {
    group: "rm",
    from: "all",
  });
  await sub.ready;
  for (const n of range(0, 5)) await bus.publish("order.placed", { n });
  await waitUntil(() => first.length === 5, "five handled");
  sub.unsubscribe();
  await resetGroup(bus, "rm", { from: "all" });
  const again: number[] = [];
  const sub2 = bus.subscribe("order.placed", (e) => void again.push(e.data.n), {
    group: "rm",
  });
  await sub2.ready;
  await waitUntil(() => again.length === 5, "the history again");
  assert.deepEqual(again, [0, 1, 2, 3, 4]);
  sub2.unsubscribe();
  await resetGroup(bus, "rm", { from: "new" });
  const fresh: number[] = [];
  await bus.subscribe("order.placed", (e) => void fresh.push(e.data.n), {
    group: "rm",
  }).ready;
  await bus.publish("order.placed", { n: 5 });
  await waitUntil(() => fresh.length === 1, "only the new one");
  assert.deepEqual(fresh, [5]);
  const missing = await resetGroup(bus, "nope").catch((e) => e);
  assert.ok(missing instanceof GroupConfigError, String(missing));
  assert.equal(missing.group, "nope");
  assert.match(
    missing.message,
    /no durable consumer in stream "DLV_grp_reset"/,
  );
});

test("deleteGroup: a group that read another pattern starts afresh; the error says how, reported once", async () => {
  const reported: Reported = [];
  await using bus = await openBus(server, "grp_delete", {}, reported);
  const sub = bus.subscribe("order.placed", () => {}, { group: "g" });
  await sub.ready;
  sub.unsubscribe();
  // Another pattern on the same group: refused, to `ready` only (read).
  const refused = bus.subscribe("order.*", () => {}, { group: "g" });
  const error = await refused.ready.catch((e) => e);
  assert.ok(error instanceof GroupConfigError, String(error));
  assert.match(error.message, /delete the group to change what it reads/);
  assert.match(error.message, /deleteGroup, or the CLI's group delete/);
  assert.equal(refused.closed, true);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(reported.length, 0, "not also sent to onError");
  // Not read: the failure goes to onError, once.
  const unread = bus.subscribe("order.*", () => {}, { group: "g" });
  await waitUntil(() => unread.closed, "the unread subscription ends");
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(reported.length, 1);
  assert.ok(reported[0].error instanceof GroupConfigError);
  assert.equal(await deleteGroup(bus, "g"), true);
  assert.equal(await deleteGroup(bus, "g"), false, "already gone");
  const got: string[] = [];
  await bus.subscribe("order.*", (e) => void got.push(e.type), {
    group: "g",
  }).ready;
  await bus.publish("order.shipped", { n: 1 });
  await waitUntil(() => got.length === 1, "the new pattern's event");
  assert.deepEqual(got, ["order.shipped"]);
});

Deno.test({
  name: "(stop nats-server)",
  fn: async () => await server[Symbol.asyncDispose](),
  sanitizeOps: false,
  sanitizeResources: false,
});
