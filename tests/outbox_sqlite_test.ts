// The outbox and the inbox on SQLite (node:sqlite) with the local
// transport: what is SQLite's own (a relay on the application's connection)
// and the bus-facing behaviour; what every store shares is in
// tests/outbox_store_conformance.ts. Every figure is checked against the database's rows or the
// events the bus delivered, not against the library's own counters.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { createLocalEventBus, defineEvents } from "../mod.ts";
import {
  createOutbox,
  idempotent,
  sqliteInbox,
  sqliteOutbox,
  startRelay,
} from "../src/outbox/mod.ts";
import { sleep, waitUntil } from "./fixtures/nats_delivery.ts";

const events = defineEvents({
  "indexing.completed": z.object({ path: z.string(), n: z.number().int() }),
});

function tempDb(): { path: string; open(): DatabaseSync } & Disposable {
  const path = Deno.makeTempFileSync({ suffix: ".sqlite" });
  return {
    path,
    open: () => new DatabaseSync(path),
    [Symbol.dispose]: () => Deno.removeSync(path),
  };
}

function rows(db: DatabaseSync, sql: string): Record<string, unknown>[] {
  return db.prepare(sql).all().map((row) => ({ ...row }));
}

Deno.test("outbox add() is published after its transaction commits, never before, also by a relay on the application's own connection", async () => {
  using file = tempDb();
  const app = file.open();
  const relayDb = file.open();
  await using bus = createLocalEventBus(events);
  const outbox = createOutbox(bus, sqliteOutbox(app));
  const seen: string[] = [];
  bus.subscribe("indexing.completed", (e) => {
    seen.push(e.id);
  });
  // One relay on the application's connection, one on its own.
  await using _same = startRelay(bus, sqliteOutbox(app), {
    outbox,
    interval: 20,
  });
  await using _own = startRelay(bus, sqliteOutbox(relayDb), {
    outbox,
    interval: 20,
  });

  app.exec("BEGIN");
  const added = outbox.add(app, "indexing.completed", { path: "/a", n: 1 }, {
    subject: "/a",
  });
  await sleep(150); // both relays woke and polled while it was open
  assert.deepEqual(seen, [], "published before the commit");
  app.exec("COMMIT");
  await waitUntil(() => seen.length === 1, "the committed event");
  await sleep(100);
  assert.deepEqual(seen, [added.id], "published once, with its id");
  const stored = rows(app, "SELECT id, published_at FROM mcb_outbox");
  assert.equal(stored.length, 1);
  assert.equal(stored[0].id, added.id);
  assert.notEqual(stored[0].published_at, null, "marked published");
});

Deno.test("outbox add() validates against the bus's catalog and writes nothing when it fails", async () => {
  const db = new DatabaseSync(":memory:");
  await using bus = createLocalEventBus(events);
  const outbox = createOutbox(bus, sqliteOutbox(db));
  assert.throws(
    () =>
      outbox.add(db, "indexing.completed", { path: 1 } as never, {
        subject: "/x",
      }),
    { name: "ValidationError" },
  );
  assert.throws(
    () => outbox.add(db, "nope" as never, {} as never),
    { name: "EventTypeError" },
  );
  assert.deepEqual(rows(db, "SELECT id FROM mcb_outbox"), []);
});

Deno.test("startRelay() deletes published events after the retention", async () => {
  const db = new DatabaseSync(":memory:");
  await using bus = createLocalEventBus(events);
  const store = sqliteOutbox(db);
  const outbox = createOutbox(bus, store);
  await using _relay = startRelay(bus, store, {
    outbox,
    interval: 10,
    retention: 50,
  });
  outbox.add(db, "indexing.completed", { path: "/c", n: 1 });
  await waitUntil(
    () => rows(db, "SELECT id FROM mcb_outbox").length === 0,
    "the published row to be deleted",
  );
});

Deno.test("idempotent() runs the side effect once for an event delivered 3 times", async () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE effects (event_id TEXT, path TEXT)");
  await using bus = createLocalEventBus(events);
  const inbox = sqliteInbox(db);
  let calls = 0;
  let delivered = 0;
  bus.subscribe("indexing.completed", () => {
    delivered++;
  });
  const sub = bus.subscribe(
    "indexing.completed",
    idempotent(inbox, db, "read-model", async (event, db) => {
      calls++;
      await sleep(5); // the transaction spans the handler's awaits
      db.prepare("INSERT INTO effects VALUES (?, ?)").run(
        event.id,
        event.data.path,
      );
    }),
  );
  for (let i = 0; i < 3; i++) {
    await bus.publish("indexing.completed", { path: "/d", n: 1 }, {
      id: "same-id",
    });
  }
  await bus.publish("indexing.completed", { path: "/e", n: 2 }, {
    id: "other",
  });
  await waitUntil(
    () => rows(db, "SELECT * FROM mcb_inbox").length === 2,
    "two inbox records",
  );
  await sleep(50);
  sub.unsubscribe();
  const effects = rows(db, "SELECT event_id FROM effects ORDER BY event_id");
  console.log(
    `inbox: delivered ${delivered} / distinct 2 / effects ${effects.length} / handler runs ${calls}`,
  );
  assert.equal(delivered, 4);
  assert.deepEqual(effects.map((r) => r.event_id), ["other", "same-id"]);
  assert.equal(calls, 2);
});

Deno.test("idempotent() refuses a retention shorter than the duplicate window", () => {
  const db = new DatabaseSync(":memory:");
  assert.throws(
    () => idempotent(sqliteInbox(db), db, "c", () => {}, { retention: 1000 }),
    RangeError,
  );
});
