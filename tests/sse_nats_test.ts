// The SSE bridge on the nats transport, against a real nats-server: resume
// replays the stream after the token's sequence, even from a new bus (a
// restarted server process) and with no gap or repeat; a token older than
// the stream keeps gets event: gap (expired); one of another stream or past
// its end gets event: gap (unknown); ephemeral events carry no id; an
// client going away releases its consumer.
import assert from "node:assert/strict";
import { z } from "zod";
import { type CloudEvent, decodeCloudEvent, defineEvents } from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { type SseGap, sseResponse } from "../src/sse/mod.ts";
import { type SseEvent, SseReader } from "./_sse_client.ts";
import { startNatsServer } from "./nats_server.ts";

const catalog = defineEvents({
  "note.posted": z.object({ n: z.int() }),
  "metrics.tick": { schema: z.object({ n: z.int() }), ephemeral: true },
});

const server = await startNatsServer();
let count = 0;

/** A bus on a stream of its own (`name` picks it; same name, same stream). */
function open(name: string, extra: Record<string, unknown> = {}) {
  return createEventBus(catalog, {
    transport: "nats",
    nats: {
      servers: server.wsUrl,
      stream: `SSE_${name}`,
      subjectPrefix: `sse.${name}`,
      storage: "memory",
      ...extra,
    },
  });
}

function connect(
  bus: Awaited<ReturnType<typeof open>>,
  lastEventId?: string,
) {
  const headers: Record<string, string> = lastEventId === undefined
    ? {}
    : { "last-event-id": lastEventId };
  return sseResponse(bus, ">", {
    request: new Request("http://127.0.0.1/events", { headers }),
  }).then((res) => new SseReader(res));
}

const ns = (events: SseEvent[]) =>
  events.filter((e) => e.type === "note.posted").map((e) =>
    (decodeCloudEvent(e.data) as CloudEvent<string, { n: number }>).data.n
  );

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

test("resume (nats): a new bus on the same stream replays what the client missed from the next sequence, then live, with no gap and no repeat", async () => {
  const name = `r${++count}`;
  await using publisher = await open(name);
  let serverBus = await open(name);
  const first = await connect(serverBus);
  for (let n = 0; n < 5; n++) await publisher.publish("note.posted", { n });
  await first.waitFor("5", () => first.events.length === 5);
  assert.match(first.events[0].id!, new RegExp(`^n:SSE_${name}:\\d+$`));
  await first.cancel();
  await serverBus.close(); // the SSE server goes down...
  for (let n = 5; n < 10; n++) await publisher.publish("note.posted", { n });
  serverBus = await open(name); // ...and comes back with a new bus
  const second = await connect(serverBus, first.parser.lastEventId);
  await publisher.publish("note.posted", { n: 10 });
  await second.waitFor("6", () => second.events.length === 6);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(ns(second.events), [5, 6, 7, 8, 9, 10]);
  assert.equal(second.ofType("gap").length, 0);
  const seqs = [...first.events, ...second.events].map((e) =>
    Number(e.id!.split(":")[2])
  );
  assert.deepEqual(seqs, Array.from({ length: 11 }, (_, i) => seqs[0] + i));
  await second.cancel();
  assert.equal(serverBus.health().subscriptions, 0);
  await serverBus.close();
});

test("resume (nats): a token older than the stream keeps gets event: gap (expired), then the oldest kept, then live", async () => {
  const name = `r${++count}`;
  await using bus = await open(name, { maxMsgs: 3 });
  const first = await connect(bus);
  await bus.publish("note.posted", { n: 0 });
  await first.waitFor("1", () => first.events.length === 1);
  await first.cancel();
  for (let n = 1; n <= 6; n++) await bus.publish("note.posted", { n });
  const token = first.parser.lastEventId;
  const second = await connect(bus, token);
  // (Wait for the replay before publishing more: with maxMsgs the next
  // publish would remove the oldest before it is read.)
  await second.waitFor("gap + 3", () => second.events.length === 4);
  await bus.publish("note.posted", { n: 7 });
  await second.waitFor("gap + 4", () => second.events.length === 5);
  assert.equal(second.events[0].type, "gap");
  const gap: SseGap = JSON.parse(second.events[0].data);
  assert.equal(gap.reason, "expired");
  assert.equal(gap.after, token);
  assert.match(gap.message, /no longer holds sequences 2 to 4/);
  assert.deepEqual(ns(second.events), [4, 5, 6, 7]);
  await second.cancel();
});

test("resume (nats): a token of another stream, malformed, or past the stream's end gets event: gap (unknown), then new events only", async () => {
  const name = `r${++count}`;
  await using bus = await open(name);
  await bus.publish("note.posted", { n: 0 });
  for (const token of ["n:OTHER_STREAM:1", "l:abc:1", `n:SSE_${name}:999`]) {
    const reader = await connect(bus, token);
    await reader.waitFor("gap", () => reader.events.length === 1);
    const gap: SseGap = JSON.parse(reader.events[0].data);
    assert.equal(gap.reason, "unknown", token);
    assert.equal(gap.after, token);
    await bus.publish("note.posted", { n: 1 });
    await reader.waitFor("new", () => reader.events.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(ns(reader.events), [1], token);
    await reader.cancel();
  }
});

test("sseResponse (nats): ephemeral events carry no id and are not replayed; a client going away releases its consumer", async () => {
  const name = `r${++count}`;
  await using bus = await open(name);
  const reader = new SseReader(
    await sseResponse(bus, ">", {
      request: new Request("http://127.0.0.1/events"),
    }),
  );
  await bus.publish("note.posted", { n: 1 });
  await reader.waitFor("1", () => reader.events.length === 1);
  await bus.publish("metrics.tick", { n: 2 });
  await reader.waitFor("2", () => reader.events.length === 2);
  assert.equal(reader.events[1].type, "metrics.tick");
  assert.equal(reader.events[1].id, undefined);
  assert.equal(reader.parser.lastEventId, reader.events[0].id);
  assert.equal(bus.health().subscriptions, 1);
  await reader.cancel(); // the server cancels the body when the client goes
  assert.equal(bus.health().subscriptions, 0);
});

Deno.test({
  name: "(stop nats-server)",
  fn: async () => await server[Symbol.asyncDispose](),
  sanitizeOps: false,
  sanitizeResources: false,
});
