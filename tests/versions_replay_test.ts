// Events outlive the code that wrote them. "Old" producers (a version from
// before "doc.saved" was versioned, and version 2) and a future one
// (version 4) run in their own processes (tests/fixtures/versions/); a
// consumer at version 3 then replays their events, from JetStream on a real
// nats-server and from an event log into a local bus, and must see every
// old event in the version-3 shape, the newer one handled per its policy.
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { wsconnect } from "@nats-io/nats-core";
import {
  type CloudEvent,
  createLocalEventBus,
  decodeCloudEvent,
  type ErrorContext,
  type EventCatalog,
} from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { startNatsServer } from "./nats_server.ts";
import { withTimeout } from "./_timeouts.ts";
import {
  docEventsV3,
  docEventsV3Lenient,
} from "./fixtures/versions/doc_catalogs.ts";

const PRODUCER =
  new URL("./fixtures/versions/old_producer.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const STREAM = "VERSIONS";
const PREFIX = "versions.events";
const V3 = docEventsV3.dataschema("doc.saved", 3);

/** Runs the producer process; returns its stdout lines. */
async function produce(...args: string[]): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, PRODUCER, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(60_000),
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `producer ${args.join(" ")} exited ${code}:\n${err}`);
  return new TextDecoder().decode(stdout).split("\n").filter((l) => l);
}

/** What the v1 and v2 producers sent, as a version-3 consumer reads it. */
const UPCAST = [
  { path: "/v1/0", bytes: 0, lang: "unknown" },
  { path: "/v1/1", bytes: 0, lang: "unknown" },
  { path: "/v1/2", bytes: 0, lang: "unknown" },
  { path: "/v2/0", bytes: 0, lang: "unknown" },
  { path: "/v2/1", bytes: 1, lang: "unknown" },
];

async function waitUntil(check: () => boolean, what: string) {
  await withTimeout(
    (async () => {
      while (!check()) await new Promise((r) => setTimeout(r, 10));
    })(),
    10_000,
    what,
  );
}

Deno.test("nats: old producers' events replayed from JetStream reach a v3 consumer upcast; a newer version is refused or validated per policy", async () => {
  await using server = await startNatsServer();
  const nats = { servers: server.wsUrl, stream: STREAM, subjectPrefix: PREFIX };
  type Reported = { error: string; kind: string };
  const open = <C extends EventCatalog>(catalog: C, errors: Reported[]) =>
    createEventBus(catalog, {
      transport: "nats",
      source: "/consumer/v3",
      nats,
      onError: (error: unknown, context: ErrorContext) =>
        errors.push({ error: String(error), kind: context.kind }),
    });

  // A live v3 subscriber, before anything is produced.
  const liveErrors: Reported[] = [];
  const live = await open(docEventsV3, liveErrors);
  const liveGot: CloudEvent[] = [];
  await live.subscribe("doc.saved", (e) => {
    liveGot.push(e);
  }).ready;

  await produce("nats", server.wsUrl, STREAM, PREFIX, "v1", "3");
  await produce("nats", server.wsUrl, STREAM, PREFIX, "v2", "2");
  await produce("nats", server.wsUrl, STREAM, PREFIX, "v4", "1");

  // Live: the same five, upcast; the v4 event reported invalid.
  await waitUntil(
    () => liveGot.length === 5 && liveErrors.length === 1,
    "live",
  );
  assert.deepEqual(liveGot.map((e) => e.data), UPCAST);
  assert.match(liveErrors[0].error, /version 4 is newer than any/);
  assert.equal(liveErrors[0].kind, "invalid");

  // Replay (fan-out, from the start of the stream).
  const replayErrors: Reported[] = [];
  const replay = await open(docEventsV3, replayErrors);
  const replayed: CloudEvent[] = [];
  await replay.subscribe("doc.saved", (e) => {
    replayed.push(e);
  }, { from: "all" }).ready;
  await waitUntil(
    () => replayed.length === 5 && replayErrors.length === 1,
    "replay",
  );
  assert.deepEqual(replayed.map((e) => e.data), UPCAST);
  assert.deepEqual(replayed.map((e) => e.dataschema), UPCAST.map(() => V3));
  assert.deepEqual(replayed.map((e) => e.source), [
    ...Array(3).fill("/producer/v1"),
    ...Array(2).fill("/producer/v2"),
  ]);
  assert.deepEqual(replayed.map((e) => e.id), liveGot.map((e) => e.id));
  assert.match(replayErrors[0].error, /version 4 is newer than any/);
  assert.equal(replayErrors[0].kind, "invalid");

  // A group (durable, acked) replays the same way; the v4 event is
  // dead-lettered with the reason.
  const groupErrors: Reported[] = [];
  const group = await open(docEventsV3, groupErrors);
  const grouped: CloudEvent[] = [];
  await group.subscribe("doc.saved", (e) => {
    grouped.push(e);
  }, { group: "indexer", from: "all" }).ready;
  await waitUntil(
    () => grouped.length === 5 && groupErrors.length === 1,
    "group",
  );
  assert.deepEqual(grouped.map((e) => e.data), UPCAST);
  const nc = await wsconnect({ servers: server.wsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const dead = await withTimeout(
      jsm.streams.getMessage(STREAM, {
        last_by_subj: `${PREFIX}.dlq.doc.saved`,
      }),
      5_000,
      "dead letter",
    );
    assert.match(dead!.header.get("mcb-dlq-reason"), /version 4 is newer/);
    assert.equal(dead!.header.get("mcb-dlq-group"), "indexer");
  } finally {
    await nc.close();
  }

  // A consumer that accepts newer versions if they validate: the v4 event
  // arrives, read as version 3 (its extra field dropped).
  const lenientErrors: Reported[] = [];
  const lenient = await open(docEventsV3Lenient, lenientErrors);
  const all: CloudEvent[] = [];
  await lenient.subscribe("doc.saved", (e) => {
    all.push(e);
  }, { from: "all" }).ready;
  await waitUntil(() => all.length === 6, "lenient replay");
  assert.deepEqual(all.at(-1)!.data, { path: "/v4/0", bytes: 0, lang: "rust" });
  assert.equal(all.at(-1)!.dataschema, V3);
  assert.deepEqual(lenientErrors, []);

  await Promise.all([live, replay, group, lenient].map((b) => b.close()));
});

Deno.test("local: an old producer's event log published into a bus with history replays upcast to v3", async () => {
  const log = [
    ...await produce("json", "v1", "3"),
    ...await produce("json", "v2", "2"),
  ].map(decodeCloudEvent);
  assert.equal(log[0].dataschema, undefined, "v1 producers send no dataschema");
  assert.equal(log[3].dataschema, docEventsV3.dataschema("doc.saved", 2));

  const bus = createLocalEventBus(docEventsV3, { history: 64 });
  const live: CloudEvent[] = [];
  bus.subscribe("doc.saved", (e) => {
    live.push(e);
  });
  for (const e of log) {
    // Events from before versioning carry no dataschema: say which version
    // they are (the nats transport reads them as the oldest version).
    await bus.publish("doc.saved", e.data as never, {
      id: e.id,
      source: e.source,
      time: e.time,
      dataschema: e.dataschema ?? bus.catalog.dataschema("doc.saved", 1),
    });
  }
  const replayed: CloudEvent[] = [];
  await bus.subscribe("doc.saved", (e) => {
    replayed.push(e);
  }, { from: "all" }).ready;
  for (const got of [live, replayed]) {
    assert.deepEqual(got.map((e) => e.data), UPCAST);
    assert.deepEqual(got.map((e) => e.id), log.map((e) => e.id));
    assert.deepEqual(got.map((e) => e.dataschema), UPCAST.map(() => V3));
  }
  await bus.close();
});
