// Shared by tests/faults/outbox_*_test.ts and fixtures/outbox_proc.ts (not a
// test file): an application that commits `orders` rows and their
// `order.placed` events in one transaction (SQLite file or PostgreSQL), a
// consumer whose idempotent handler writes one `effects` row per event (no
// unique key: a double effect shows). The accounting line built from them
// is in _outbox_accounting.ts.
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import type { EventBus, NatsConfigInput } from "../../mod.ts";
import type { CloudEvent } from "../../src/core/envelope.ts";
import { createEventBus } from "../../src/config/mod.ts";
import {
  createOutbox,
  idempotent,
  type OutboxStore,
  postgresInbox,
  postgresOutbox,
  sqliteInbox,
  sqliteOutbox,
} from "../../src/outbox/mod.ts";
import {
  type DeliveryBus,
  deliveryEvents,
  names,
} from "../fixtures/nats_delivery.ts";

export type Kind = "sqlite" | "postgres";

/** Where one scenario runs; handed to child processes as JSON. */
export interface Place {
  kind: Kind;
  /** SQLite: the app's file; PostgreSQL: the database URL. */
  app: string;
  /** SQLite: the consumer's read-model file; PostgreSQL: the URL. */
  rm: string;
  wsUrl: string;
  natsUrl: string;
  tag: string;
}

type Param = string | number | null;

/** One connection (SQLite) or pool (postgres.js), whatever the store. */
export type Db =
  & { run(sql: string, p?: Param[]): Promise<void> }
  & { all<T>(sql: string, p?: Param[]): Promise<T[]> }
  & { close(): Promise<void> }
  & ({ kind: "sqlite"; h: DatabaseSync } | {
    kind: "postgres";
    h: postgres.Sql;
  });

/** Opens `target` (a file or URL) of `kind`; `$1`-style parameters. */
export function openDb(kind: Kind, target: string): Db {
  if (kind === "sqlite") {
    const h = new DatabaseSync(target);
    h.exec("PRAGMA busy_timeout = 10000");
    const stmt = (sql: string) => h.prepare(sql.replace(/\$\d+/g, "?"));
    return {
      kind,
      h,
      run: (sql, p = []) => Promise.resolve(void stmt(sql).run(...p)),
      all: <T>(sql: string, p: Param[] = []) =>
        Promise.resolve(stmt(sql).all(...p).map((r) => ({ ...r })) as T[]),
      close: () => Promise.resolve(h.close()),
    };
  }
  const h = postgres(target, { max: 4, onnotice: () => {} });
  return {
    kind,
    h,
    run: async (sql, p = []) => void await h.unsafe(sql, p),
    all: async <T>(sql: string, p: Param[] = []) =>
      [...await h.unsafe(sql, p)] as T[],
    close: () => h.end({ timeout: 2 }),
  };
}

/** Creates the app's and the consumer's tables (before any process). */
export async function createSchema(place: Place): Promise<void> {
  const app = openDb(place.kind, place.app);
  const rm = openDb(place.kind, place.rm);
  try {
    if (app.kind === "sqlite") app.h.exec("PRAGMA journal_mode = WAL");
    if (rm.kind === "sqlite") rm.h.exec("PRAGMA journal_mode = WAL");
    await app.run(`CREATE TABLE orders (n INTEGER PRIMARY KEY,
      id TEXT NOT NULL, subject TEXT NOT NULL, at BIGINT NOT NULL)`);
    await rm.run(`CREATE TABLE effects (id TEXT NOT NULL, n INTEGER NOT NULL,
      at BIGINT NOT NULL)`);
    // The stores' tables too, as a migration would: processes starting at
    // once on a fresh SQLite file would race to create them.
    if (app.kind === "sqlite") sqliteOutbox(app.h);
    else await postgresOutbox(app.h);
    if (rm.kind === "sqlite") sqliteInbox(rm.h);
    else await postgresInbox(rm.h);
  } finally {
    await app.close();
    await rm.close();
  }
}

/** The subject (one order each) of order `n`. */
export const subjectOf = (n: number): string => `agg-${n % 4}`;

/** Options of every bus of the scenarios (file store: restarts keep it). */
export const BUS_NATS: NatsConfigInput = {
  storage: "file",
  ackWait: 4000,
  connectTimeout: 2000,
  reconnectTimeWait: 200,
  reconnectJitter: 100,
};

/** A nats bus of the delivery catalog on the scenario's stream. */
export function openBus(place: Place, name: string): Promise<DeliveryBus> {
  const { stream, prefix } = names(place.tag);
  return createEventBus(deliveryEvents, {
    transport: "nats",
    source: `/faults/outbox/${name}`,
    onError: () => {},
    nats: { servers: place.wsUrl, stream, subjectPrefix: prefix, ...BUS_NATS },
  });
}

/** What the app writes through: `commit(ns)` = one transaction. */
export interface Writer {
  outbox: { onAdded(listener: () => void): () => void };
  commit(ns: number[]): Promise<void>;
}

/** The application: orders rows and their events, committed together. */
export async function writer(bus: DeliveryBus, db: Db): Promise<Writer> {
  const row = "INSERT INTO orders (n, id, subject, at) VALUES ($1, $2, $3, $4)";
  if (db.kind === "sqlite") {
    const h = db.h;
    const outbox = createOutbox(bus, sqliteOutbox(h));
    const insert = h.prepare(row.replace(/\$\d/g, "?"));
    return {
      outbox,
      commit(ns) {
        h.exec("BEGIN IMMEDIATE");
        try {
          for (const n of ns) {
            const subject = subjectOf(n);
            const e = outbox.add(h, "order.placed", { n }, { subject });
            insert.run(n, e.id, subject, Date.now());
          }
          h.exec("COMMIT");
        } catch (error) {
          h.exec("ROLLBACK");
          throw error;
        }
        return Promise.resolve();
      },
    };
  }
  const sql = db.h;
  const outbox = createOutbox(bus, await postgresOutbox(sql));
  return {
    outbox,
    async commit(ns) {
      await sql.begin(async (tx) => {
        for (const n of ns) {
          const subject = subjectOf(n);
          const handle = tx as unknown as postgres.Sql;
          const e = await outbox.add(handle, "order.placed", { n }, {
            subject,
          });
          await tx.unsafe(row, [n, e.id, subject, Date.now()]);
        }
      });
      outbox.notify();
    },
  };
}

/** An outbox store on a connection of its own, for a relay. */
export async function relayStore(place: Place): Promise<{
  store: OutboxStore<unknown, void | Promise<void>>;
  close(): Promise<void>;
}> {
  if (place.kind === "sqlite") {
    const db = new DatabaseSync(place.app);
    db.exec("PRAGMA busy_timeout = 10000");
    return {
      store: sqliteOutbox(db) as OutboxStore<unknown, void>,
      close: () => Promise.resolve(db.close()),
    };
  }
  const sql = postgres(place.app, { max: 2, onnotice: () => {} });
  return {
    store: await postgresOutbox(sql) as OutboxStore<unknown, Promise<void>>,
    close: () => sql.end({ timeout: 2 }),
  };
}

/** What the effect handler receives. */
export type Ev = CloudEvent<string, { n: number }>;
type Handler = (e: Ev) => Promise<void>;

/**
 * The consumer's handler: `idempotent` over the inbox of `rm`, writing one
 * `effects` row per call of the inner handler. `close` ends its connection.
 */
export async function effectHandler(
  place: Place,
): Promise<{ handle: Handler; close(): Promise<void> }> {
  const rm = openDb(place.kind, place.rm);
  const insert = "INSERT INTO effects (id, n, at) VALUES ($1, $2, $3)";
  if (rm.kind === "sqlite") {
    const h = rm.h;
    return {
      handle: idempotent(sqliteInbox(h), h, "fx", (e: Ev, tx) => {
        tx.prepare(insert.replace(/\$\d/g, "?")).run(
          e.id,
          e.data.n,
          Date.now(),
        );
      }),
      close: rm.close,
    };
  }
  const sql = rm.h;
  return {
    handle: idempotent(
      await postgresInbox(sql),
      sql,
      "fx",
      async (e: Ev, tx) => {
        await tx.unsafe(insert, [e.id, e.data.n, Date.now()]);
      },
    ),
    close: rm.close,
  };
}

/** Subscribes `bus` to order.placed in group "fx" with `handler`. */
export async function joinGroup(
  bus: DeliveryBus,
  handler: Handler,
): Promise<void> {
  const sub = (bus as unknown as EventBus).subscribe(
    "order.placed",
    handler as never,
    { group: "fx", from: "all" },
  );
  await sub.ready;
}

/** Options of a child process (see fixtures/outbox_proc.ts). */
export interface ProcOptions {
  mode: "app" | "relay";
  batch: number;
  lease: number;
  interval: number;
  delay?: number;
  ledger?: boolean;
  total?: number;
  pace?: number;
}
