// One conformance suite for every outbox and inbox store (SQLite,
// PostgreSQL through postgres.js and pg, PGlite): what the outbox, the relay
// and `idempotent` rely on. Every figure is read back from the database's
// rows or from the events the bus delivered, never from the library's own
// counters. Run by tests/outbox_stores_test.ts, once per store.
import assert from "node:assert/strict";
import { z } from "zod";
import { createLocalEventBus, defineEvents } from "../mod.ts";
import {
  createOutbox,
  idempotent,
  type InboxStore,
  type OutboxStore,
  startRelay,
} from "../src/outbox/mod.ts";
import { sleep, waitUntil } from "./fixtures/nats_delivery.ts";

export const events = defineEvents({
  "indexing.completed": z.object({ path: z.string(), n: z.number().int() }),
});

/** One database as a store kit opened it, with fresh tables. */
export interface KitDb<H> extends AsyncDisposable {
  /** The handle the application opens its transactions from. */
  readonly app: H;
  /** A second handle (own connection or pool) for a relay. */
  readonly other: H;
  /** The outbox store over `db`, on this kit's table. */
  outbox(db: H): Promise<OutboxStore<H, void | Promise<void>>>;
  /** The inbox store over `db`, on this kit's table. */
  inbox(db: H): Promise<InboxStore<H>>;
  /** Runs SQL outside any transaction and returns its rows. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** The outbox and inbox tables' names. */
  readonly tables: { outbox: string; inbox: string };
}

/** A store under test. */
export interface StoreKit<H> {
  readonly name: string;
  /** Two transactions can be open at once on two handles. */
  readonly concurrent: boolean;
  /** Creates fresh tables (named after `tag`) and the handles. */
  open(tag: string): Promise<KitDb<H>>;
}

/** Runs every case against `kit` as steps of `t`. */
export async function storeConformance<H>(
  t: Deno.TestContext,
  kit: StoreKit<H>,
): Promise<void> {
  let n = 0;
  const step = (name: string, fn: (db: KitDb<H>) => Promise<void>) =>
    t.step(`${kit.name}: ${name}`, async () => {
      await using db = await kit.open(`t${++n}`);
      await fn(db);
    });
  for (const [name, fn] of cases(kit)) await step(name, fn);
}

type Case<H> = [string, (db: KitDb<H>) => Promise<void>];

function cases<H>(kit: StoreKit<H>): Case<H>[] {
  const list: Case<H>[] = [
    [
      "add() is published after its transaction commits, never before",
      async (db) => {
        await using bus = createLocalEventBus(events);
        const outbox = createOutbox(bus, await db.outbox(db.app));
        const inbox = await db.inbox(db.app);
        const seen: string[] = [];
        bus.subscribe("indexing.completed", (e) => void seen.push(e.id));
        await using _relay = startRelay(bus, await db.outbox(db.other), {
          outbox,
          interval: 20,
        });
        const added = await inbox.transaction(db.app, async (tx) => {
          const event = await outbox.add(tx, "indexing.completed", {
            path: "/a",
            n: 1,
          }, { subject: "/a" });
          await sleep(150); // the relay woke and polled while it was open
          assert.deepEqual(seen, [], "published before the commit");
          return event;
        });
        await waitUntil(() => seen.length === 1, "the committed event");
        await sleep(60);
        assert.deepEqual(seen, [added.id], "published once, with its id");
        const stored = await db.query(
          `SELECT id, published_at FROM ${db.tables.outbox}`,
        );
        assert.equal(stored.length, 1);
        assert.notEqual(stored[0].published_at, null, "marked published");
      },
    ],
    ["add() in a rolled-back transaction publishes nothing", async (db) => {
      await using bus = createLocalEventBus(events);
      const outbox = createOutbox(bus, await db.outbox(db.app));
      const inbox = await db.inbox(db.app);
      let delivered = 0;
      bus.subscribe("indexing.completed", () => void delivered++);
      await using _relay = startRelay(bus, await db.outbox(db.other), {
        outbox,
        interval: 20,
      });
      const failed = await inbox.transaction(db.app, async (tx) => {
        await outbox.add(tx, "indexing.completed", { path: "/x", n: 1 });
        throw new Error("abort on purpose");
      }).catch((e: Error) => e.message);
      assert.equal(failed, "abort on purpose");
      await sleep(150);
      assert.equal(delivered, 0);
      const stored = await db.query(`SELECT id FROM ${db.tables.outbox}`);
      assert.equal(stored.length, 0, "the row was rolled back");
    }],
    [
      "claim() leases in commit order and skips a subject leased to another relay",
      async (db) => {
        await using bus = createLocalEventBus(events);
        const store = await db.outbox(db.app);
        const outbox = createOutbox(bus, store);
        const inbox = await db.inbox(db.app);
        const ids = await inbox.transaction(db.app, async (tx) => {
          const out: string[] = [];
          for (const [subject, n] of [["a", 1], ["b", 1], ["a", 2], ["b", 2]]) {
            const e = await outbox.add(tx, "indexing.completed", {
              path: subject as string,
              n: n as number,
            }, { subject: subject as string });
            out.push(e.id);
          }
          return out;
        });
        const now = 1_000_000;
        // Relay A claims 1 event: the oldest, of subject "a".
        const a = await store.claim({ owner: "A", limit: 1, lease: 500, now });
        assert.deepEqual(a.map((c) => c.event.id), [ids[0]]);
        // B may not touch subject "a" while A's lease runs: only "b", in order.
        const b = await store.claim({ owner: "B", limit: 10, lease: 500, now });
        assert.deepEqual(b.map((c) => c.event.id), [ids[1], ids[3]]);
        assert.ok(b[0].seq < b[1].seq, "seq increases with commit order");
        // A claims again: its own lease, then the rest of "a"; "b" is B's.
        const again = await store.claim({
          owner: "A",
          limit: 10,
          lease: 500,
          now,
        });
        assert.deepEqual(again.map((c) => c.event.id), [ids[0], ids[2]]);
        // After the leases end (A died), B takes everything, oldest first.
        const heir = await store.claim({
          owner: "B",
          limit: 10,
          lease: 500,
          now: now + 501,
        });
        assert.deepEqual(heir.map((c) => c.event.id), ids);
        assert.deepEqual(heir[0].event.data, { path: "a", n: 1 });
      },
    ],
    [
      "markPublished() ends claims; deletePublished() removes only what was published before the cutoff",
      async (db) => {
        await using bus = createLocalEventBus(events);
        const store = await db.outbox(db.app);
        const outbox = createOutbox(bus, store);
        const inbox = await db.inbox(db.app);
        await inbox.transaction(db.app, async (tx) => {
          for (let i = 0; i < 3; i++) {
            await outbox.add(tx, "indexing.completed", { path: "/p", n: i });
          }
        });
        const claimed = await store.claim({
          owner: "A",
          limit: 10,
          lease: 1,
          now: 0,
        });
        assert.equal(claimed.length, 3);
        await store.markPublished([claimed[0].seq], 100);
        await store.markPublished([claimed[1].seq], 200);
        const rest = await store.claim({
          owner: "B",
          limit: 10,
          lease: 1,
          now: 10,
        });
        assert.deepEqual(rest.map((c) => c.seq), [claimed[2].seq]);
        assert.equal(await store.deletePublished(150), 1);
        const left = await db.query(
          `SELECT seq FROM ${db.tables.outbox} ORDER BY seq`,
        );
        assert.deepEqual(
          left.map((r) => Number(r.seq)),
          [claimed[1].seq, claimed[2].seq],
        );
      },
    ],
    [
      "idempotent(): the handler's writes and the record commit together; a redelivery does not run it; a throw commits neither",
      async (db) => {
        const inbox = await db.inbox(db.app);
        await db.query(`CREATE TABLE ${db.tables.inbox}_fx (n integer)`);
        let calls = 0;
        let fail = true;
        const handle = idempotent(inbox, db.app, "fx", async (e, tx) => {
          calls++;
          await inbox.record(tx, "fx-writes", `${e.id}:${calls}`, 0); // a write
          await exec(db, tx, `INSERT INTO ${db.tables.inbox}_fx VALUES (1)`);
          if (fail) throw new Error("handler failed on purpose");
        });
        const event = sampleEvent("e-1");
        await assert.rejects(handle(event), /on purpose/);
        assert.deepEqual(
          await db.query(`SELECT n FROM ${db.tables.inbox}_fx`),
          [],
        );
        fail = false;
        await handle(event); // the redelivery after the failure runs it
        await handle(event); // a duplicate does not
        await handle(event);
        assert.equal(calls, 2);
        const fx = await db.query(`SELECT n FROM ${db.tables.inbox}_fx`);
        assert.equal(fx.length, 1, "effects exactly once");
        const records = await db.query(
          `SELECT consumer, id FROM ${db.tables.inbox} ORDER BY consumer`,
        );
        assert.deepEqual(records.map((r) => `${r.consumer}/${r.id}`), [
          "fx/e-1",
          "fx-writes/e-1:2",
        ]);
      },
    ],
    ["inbox expire() deletes records older than the cutoff", async (db) => {
      const inbox = await db.inbox(db.app);
      for (const [id, at] of [["old", 10], ["new", 30]] as const) {
        await inbox.transaction(
          db.app,
          async (tx) => await inbox.record(tx, "c", id, at),
        );
      }
      assert.equal(await inbox.expire(20), 1);
      const left = await db.query(`SELECT id FROM ${db.tables.inbox}`);
      assert.deepEqual(left.map((r) => r.id), ["new"]);
    }],
    [
      "two relays on one database publish each of 120 events once, in commit order per subject",
      async (db) => {
        await using bus = createLocalEventBus(events);
        const outbox = createOutbox(bus, await db.outbox(db.app));
        const inbox = await db.inbox(db.app);
        const seen: { id: string; path: string; n: number }[] = [];
        bus.subscribe(
          "indexing.completed",
          (e) => void seen.push({ id: e.id, ...e.data }),
        );
        const relays = [
          startRelay(bus, await db.outbox(db.app), {
            outbox,
            batch: 7,
            interval: 10,
          }),
          startRelay(bus, await db.outbox(db.other), {
            outbox,
            batch: 5,
            interval: 10,
          }),
        ];
        try {
          for (let i = 0; i < 40; i++) {
            await inbox.transaction(db.app, async (tx) => {
              for (const path of ["a", "b", "c"]) {
                await outbox.add(tx, "indexing.completed", { path, n: i }, {
                  subject: path,
                });
              }
            });
          }
          await waitUntil(() => seen.length >= 120, "120 events", 20_000);
          await sleep(100);
        } finally {
          await Promise.all(relays.map((r) => r.stop()));
        }
        assert.equal(seen.length, 120, "each event once");
        assert.equal(new Set(seen.map((s) => s.id)).size, 120);
        for (const path of ["a", "b", "c"]) {
          const order = seen.filter((s) => s.path === path).map((s) => s.n);
          assert.deepEqual(order, [...Array(40).keys()], `order of ${path}`);
        }
        const pending = await db.query(
          `SELECT id FROM ${db.tables.outbox} WHERE published_at IS NULL`,
        );
        assert.equal(pending.length, 0);
      },
    ],
  ];
  if (kit.concurrent) list.push(...concurrentCases<H>());
  return list;
}

/** Cases for stores whose database runs transactions side by side. */
function concurrentCases<H>(): Case<H>[] {
  return [
    [
      "a second transaction adding to the same subject waits for the first, so sequence order is commit order",
      async (db) => {
        await using bus = createLocalEventBus(events);
        const store = await db.outbox(db.app);
        const outbox = createOutbox(bus, store);
        const inbox = await db.inbox(db.app);
        const log: string[] = [];
        let release!: () => void;
        const held = new Promise<void>((ok) => release = ok);
        let addedFirst!: () => void;
        const firstAdded = new Promise<void>((ok) => addedFirst = ok);
        const first = inbox.transaction(db.app, async (tx) => {
          await outbox.add(tx, "indexing.completed", { path: "s", n: 1 }, {
            subject: "s",
          });
          addedFirst();
          await held;
          log.push("first commits");
        });
        await firstAdded;
        const second = inbox.transaction(db.other, async (tx) => {
          await outbox.add(tx, "indexing.completed", { path: "s", n: 2 }, {
            subject: "s",
          });
          log.push("second added");
        });
        const other = inbox.transaction(db.other, async (tx) => {
          await outbox.add(tx, "indexing.completed", { path: "t", n: 3 }, {
            subject: "t",
          });
          log.push("other subject added");
        });
        try {
          await other; // another subject is not held up
          await sleep(200);
          assert.deepEqual(log, ["other subject added"]);
        } finally {
          release(); // never leave the first transaction open
          await Promise.allSettled([first, second]);
        }
        await Promise.all([first, second]);
        assert.deepEqual(log, [
          "other subject added",
          "first commits",
          "second added",
        ]);
        const claimed = await store.claim({
          owner: "A",
          limit: 10,
          lease: 1000,
          now: 0,
        });
        const s = claimed.filter((c) => c.event.subject === "s");
        assert.deepEqual(s.map((c) => (c.event.data as { n: number }).n), [
          1,
          2,
        ]);
      },
    ],
    [
      "a commit from another connection wakes a listening relay before its next poll",
      async (db) => {
        await using bus = createLocalEventBus(events);
        const seen: string[] = [];
        bus.subscribe("indexing.completed", (e) => void seen.push(e.id));
        // Polls once a minute; only the notification can wake it in time.
        await using _relay = startRelay(bus, await db.outbox(db.other), {
          interval: 60_000,
        });
        await sleep(200); // its first, empty poll is over
        const writer = createOutbox(bus, await db.outbox(db.app));
        const inbox = await db.inbox(db.app);
        const added = await inbox.transaction(
          db.app,
          (tx) =>
            writer.add(tx, "indexing.completed", {
              path: "/n",
              n: 1,
            }) as Promise<{ id: string }>,
        );
        await waitUntil(() => seen.length === 1, "the notified event", 5_000);
        assert.deepEqual(seen, [added.id]);
      },
    ],
  ];
}

/** Runs `sql` through the transaction handle `tx` of `db`'s driver. */
async function exec<H>(_db: KitDb<H>, tx: H, sql: string): Promise<void> {
  const h = tx as {
    exec?: (s: string) => void;
    unsafe?: (s: string) => PromiseLike<unknown>;
    query?: (s: string) => PromiseLike<unknown>;
  };
  if (h.exec) h.exec(sql);
  else if (h.unsafe) await h.unsafe(sql);
  else await h.query!(sql);
}

/** A CloudEvent as the bus would deliver it. */
export function sampleEvent(id: string) {
  return {
    specversion: "1.0",
    id,
    source: "/tests",
    type: "indexing.completed",
    time: new Date().toISOString(),
    datacontenttype: "application/json",
    data: { path: "/a", n: 1 },
  } as const;
}
