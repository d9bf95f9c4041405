// A group's durable consumer, managed (src/nats/groups.ts): resetGroup
// rewinds it so its members get the stream again; deleteGroup removes it so
// the group can read another pattern; a GroupConfigError says how, and is
// reported once (to `ready` when read, else to onError).
import assert from "node:assert/strict";
import { mcbEvents } from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { type CliIO, run } from "../scripts/cli.ts";
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

test("cli: group reset replays the stream to the group; group delete removes it; both need a NAME", async () => {
  const env = {
    MCB_EVENT_BUS_TRANSPORT: "nats",
    MCB_EVENT_BUS_NATS_SERVERS: server.wsUrl,
    MCB_EVENT_BUS_NATS_STREAM: "CLI_GROUPS",
    MCB_EVENT_BUS_NATS_SUBJECT_PREFIX: "cli.groups",
  };
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = {
      env,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      readFile: (p) => Deno.readTextFile(p),
      readStdin: () => Promise.resolve(""),
      signal: new AbortController().signal,
      color: false,
    };
    return { code: await run(args, io), out, err: err.join("\n") };
  };
  await using bus = await createEventBus(mcbEvents, {
    transport: "nats",
    nats: {
      servers: server.wsUrl,
      stream: env.MCB_EVENT_BUS_NATS_STREAM,
      subjectPrefix: env.MCB_EVENT_BUS_NATS_SUBJECT_PREFIX,
    },
  });
  const seen: string[] = [];
  const sub = bus.subscribe("config.*", (e) => void seen.push(e.id), {
    group: "audit",
    from: "all",
  });
  await sub.ready;
  const ids = [
    (await bus.publish("config.reloaded", { section: "a" })).id,
    (await bus.publish("config.reloaded", { section: "b" })).id,
  ];
  await waitUntil(() => seen.length === 2, "two handled");
  sub.unsubscribe();
  const reset = await cli("group", "reset", "audit");
  assert.equal(reset.code, 0, reset.err);
  assert.match(reset.err, /group audit reset to "all"/);
  const again: string[] = [];
  await bus.subscribe("config.*", (e) => void again.push(e.id), {
    group: "audit",
  }).ready;
  await waitUntil(() => again.length === 2, "the history again");
  assert.deepEqual(again, ids);
  const deleted = await cli("group", "delete", "audit");
  assert.equal(deleted.code, 0, deleted.err);
  assert.match(deleted.err, /deleted the durable consumer of group audit/);
  const none = await cli("group", "delete", "audit");
  assert.match(none.err, /has no durable consumer/);
  const usage = await cli("group", "rename", "x");
  assert.equal(usage.code, 2);
  assert.match(usage.err, /group: expected delete or reset, got "rename"/);
  const noName = await cli("group", "reset");
  assert.equal(noName.code, 2);
  assert.match(noName.err, /group reset takes one group NAME/);
});

Deno.test({
  name: "(stop nats-server)",
  fn: async () => await server[Symbol.asyncDispose](),
  sanitizeOps: false,
  sanitizeResources: false,
});
