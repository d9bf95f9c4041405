// The SQLite outbox on the nats transport, against a real nats-server:
// what the stream holds, read back with a raw client (not the bus), and the
// database's rows are the evidence, never the library's counters.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { connect } from "@nats-io/transport-node";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { EventBus } from "../mod.ts";
import {
  createOutbox,
  type Outbox,
  sqliteOutbox,
  startRelay,
} from "../src/outbox/mod.ts";
import { startNatsServer } from "./nats_server.ts";
import {
  type deliveryEvents,
  names,
  openBus,
  range,
  sleep,
  waitUntil,
} from "./fixtures/nats_delivery.ts";

const nats = { sanitizeOps: false, sanitizeResources: false };

interface Stored {
  id: string;
  subject: string;
  n: number;
}

/** Every message of the stream of `tag`, in stream order. */
async function readStream(url: string, tag: string): Promise<Stored[]> {
  const nc = await connect({ servers: url });
  try {
    const { stream, prefix } = names(tag);
    const consumer = await jetstream(nc).consumers.get(stream, {
      filter_subjects: `${prefix}.order.>`,
      deliver_policy: DeliverPolicy.All,
    });
    const pending = (await consumer.info(true)).num_pending;
    const out: Stored[] = [];
    if (pending === 0) return out;
    const messages = await consumer.consume();
    for await (const m of messages) {
      out.push({
        id: m.headers?.get("Nats-Msg-Id") ?? "",
        subject: decodeURIComponent(m.headers?.get("ce-subject") ?? ""),
        n: (m.json() as { n: number }).n,
      });
      if (out.length === pending) break;
    }
    messages.stop();
    return out;
  } finally {
    await nc.close();
  }
}

/** A temporary database file, removed on dispose. */
function tempFile(): { path: string } & Disposable {
  const path = Deno.makeTempFileSync({ suffix: ".sqlite" });
  return { path, [Symbol.dispose]: () => Deno.removeSync(path) };
}

/** Commits `count` events over `subjects`, several per transaction. */
function commitEvents(
  db: DatabaseSync,
  outbox: Outbox<typeof deliveryEvents, DatabaseSync, void>,
  count: number,
  subjects: number,
): void {
  for (let i = 0; i < count; i += 5) {
    db.exec("BEGIN");
    for (const n of range(i, Math.min(i + 5, count))) {
      outbox.add(db, "order.placed", { n }, { subject: `agg-${n % subjects}` });
    }
    db.exec("COMMIT");
  }
}

/** Ids in commit order, and per subject, from the database. */
function committed(db: DatabaseSync) {
  return db.prepare(
    "SELECT seq, id, subject, lease_owner, published_at FROM mcb_outbox ORDER BY seq",
  ).all().map((r) => ({ ...r })) as {
    seq: number;
    id: string;
    subject: string;
    lease_owner: string | null;
    published_at: number | null;
  }[];
}

function allPublished(db: DatabaseSync): boolean {
  return committed(db).every((r) => r.published_at !== null);
}

/** Each committed id stored once; per subject, stream order = commit order. */
function assertOnceInOrder(
  rows: ReturnType<typeof committed>,
  stored: Stored[],
): void {
  const counts = new Map<string, number>();
  for (const s of stored) counts.set(s.id, (counts.get(s.id) ?? 0) + 1);
  assert.deepEqual(
    [...counts.entries()].filter(([, c]) => c !== 1),
    [],
    "ids stored more than once",
  );
  assert.deepEqual(
    rows.map((r) => r.id).sort(),
    [...counts.keys()].sort(),
    "the stream holds exactly the committed ids",
  );
  const order = (list: { id: string; subject: string }[]) => {
    const by = new Map<string, string[]>();
    for (const x of list) by.set(x.subject, [...by.get(x.subject) ?? [], x.id]);
    return Object.fromEntries([...by].sort());
  };
  assert.deepEqual(order(stored), order(rows), "order per subject");
}

Deno.test({
  name:
    "startRelay() publishes each committed event once, with its id, in commit order per subject (nats)",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "outbox_order";
    await using bus = await openBus(server, tag);
    using file = tempFile();
    const db = new DatabaseSync(file.path);
    const outbox = createOutbox(bus, sqliteOutbox(db));
    await using _relay = startRelay(
      bus,
      sqliteOutbox(new DatabaseSync(file.path)),
      {
        outbox,
        interval: 20,
        batch: 7,
      },
    );
    commitEvents(db, outbox, 40, 4);
    await waitUntil(() => allPublished(db), "every row marked published");
    const rows = committed(db);
    const stored = await readStream(server.natsUrl, tag);
    console.log(
      `outbox order: committed ${rows.length} / published ${stored.length} / duplicates ${
        stored.length - new Set(stored.map((s) => s.id)).size
      }`,
    );
    assert.equal(rows.length, 40);
    assertOnceInOrder(rows, stored);
  },
});

Deno.test({
  name:
    "startRelay() x2 racing on one database file publish each event once (nats)",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "outbox_race";
    await using bus = await openBus(server, tag);
    await using bus2 = await openBus(server, tag);
    using file = tempFile();
    const db = new DatabaseSync(file.path);
    const outbox = createOutbox(bus, sqliteOutbox(db));
    commitEvents(db, outbox, 60, 6);
    // JetStream would absorb a second publish of an id: count them here.
    const publishes = new Map<string, number>();
    const counting = (inner: EventBus) =>
      ({
        closed: false,
        publish: (...args: Parameters<EventBus["publish"]>) => {
          const id = args[2]!.id!;
          publishes.set(id, (publishes.get(id) ?? 0) + 1);
          return inner.publish(...args);
        },
      }) as unknown as EventBus;
    const options = { interval: 20, batch: 4 };
    const a = startRelay(
      counting(bus as unknown as EventBus),
      sqliteOutbox(new DatabaseSync(file.path)),
      options,
    );
    const b = startRelay(
      counting(bus2 as unknown as EventBus),
      sqliteOutbox(new DatabaseSync(file.path)),
      options,
    );
    await waitUntil(() => allPublished(db), "every row marked published");
    await a.stop();
    await b.stop();
    const rows = committed(db);
    const owners = new Set(rows.map((r) => r.lease_owner));
    const stored = await readStream(server.natsUrl, tag);
    console.log(
      `outbox race: committed ${rows.length} / published ${stored.length} / relays ${owners.size}`,
    );
    assert.deepEqual(owners, new Set([a.id, b.id]), "both relays published");
    assert.deepEqual(
      [...publishes].filter(([, c]) => c !== 1),
      [],
      "ids published twice",
    );
    assert.equal(publishes.size, 60);
    assertOnceInOrder(rows, stored);
  },
});

Deno.test({
  name:
    "startRelay() killed mid-batch leaves nothing stuck: another relay publishes the rest after the lease (nats)",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "outbox_kill";
    await using bus = await openBus(server, tag);
    using file = tempFile();
    const db = new DatabaseSync(file.path);
    const outbox = createOutbox(bus, sqliteOutbox(db));
    commitEvents(db, outbox, 20, 2);
    // The dying relay: 3 events reach the stream, then it "dies" before
    // marking anything (its publish and its mark fail), holding its lease.
    let published = 0;
    const dyingBus = {
      closed: false,
      publish: (...args: Parameters<EventBus["publish"]>) =>
        published++ < 3
          ? (bus as unknown as EventBus).publish(...args)
          : Promise.reject(new Error("killed")),
    } as unknown as EventBus;
    const store = sqliteOutbox(new DatabaseSync(file.path));
    const errors: unknown[] = [];
    const dying = startRelay(dyingBus, {
      ...store,
      markPublished: () => {
        throw new Error("killed before marking");
      },
    }, {
      interval: 60_000,
      batch: 10,
      lease: 500,
      onError: (e) => errors.push(e),
    });
    await waitUntil(() => errors.length === 1, "the relay to die");
    await dying.stop();
    assert.equal(
      committed(db).filter((r) => r.published_at !== null).length,
      0,
    );
    const leased = committed(db).filter((r) => r.lease_owner === dying.id);
    assert.equal(leased.length, 10, "the dead relay's batch is leased");
    const before = await readStream(server.natsUrl, tag);
    assert.equal(before.length, 3, "the dead relay stored 3 before dying");

    const started = Date.now();
    await using heir = startRelay(
      bus,
      sqliteOutbox(new DatabaseSync(file.path)),
      {
        interval: 20,
        lease: 500,
      },
    );
    await sleep(150); // the dead relay's lease (500 ms) has not ended
    assert.equal(
      committed(db).filter((r) => r.published_at !== null).length,
      0,
      "taken over before the lease ended",
    );
    await waitUntil(() => allPublished(db), "every row marked published");
    const rows = committed(db);
    const stored = await readStream(server.natsUrl, tag);
    console.log(
      `outbox relay killed: committed ${rows.length} / published ${stored.length} / stored before the kill ${before.length} / marked by the heir ${
        rows.filter((r) => r.lease_owner === heir.id).length
      } / waited ${Date.now() - started} ms`,
    );
    assert.ok(rows.every((r) => r.lease_owner === heir.id));
    assertOnceInOrder(rows, stored);
    await sleep(0);
  },
});
