/**
 * The outbox and the inbox (`@mcb/event-bus/outbox`, issue 18): what they
 * cost per event against doing the same without them, in the same run, on
 * SQLite (`node:sqlite`, a WAL file with `synchronous=NORMAL`) and on a
 * private PostgreSQL (`tests/postgres_server.ts`, postgres.js, loopback,
 * `fsync=off`), through a local bus and a nats bus (the bench's nats-server,
 * a file-backed stream of its own per group).
 *
 * - **publish cost** (per store and transport; one event at a time, each
 *   awaited): baseline = a transaction that inserts the application's row
 *   and commits, then `await bus.publish` of the event (the dual write the
 *   outbox replaces); against it, the same transaction with `outbox.add`
 *   before the commit and no relay running (what the application waits
 *   for), and the same again with a relay running, timed until the relay's
 *   `bus.publish` of that event has resolved (commit -> on the bus, the
 *   latency the outbox adds). µs/event and p50/p99/max of single events.
 * - **relay throughput** (per store and transport): N events committed
 *   beforehand (100 per transaction, not timed) over 16 subjects, then one
 *   relay (batch 100) started and timed until all N are published and it
 *   has stopped (the last batch marked); then the same with all N on one
 *   subject (a claim checks each candidate against the other pending rows
 *   of its subject, so a long backlog on one subject costs more per claim).
 *   Baseline: `await bus.publish` of N such events one after another on the
 *   same bus (the relay also publishes one at a time).
 * - **inbox cost** (per store; the handler called directly, one event at a
 *   time): baseline = a handler that inserts one effect row in a
 *   transaction of its own; against it, `idempotent()` around a handler
 *   doing the same insert through the inbox's transaction (which also
 *   records (consumer, id)), and the same wrapped handler given each event
 *   of the previous round again (recorded already: the handler is skipped).
 *
 * The cases of a group run interleaved (round 1 of each, then round 2, ...)
 * after a warm-up of each (a quarter of a round), so drift on a shared
 * machine hits them alike.
 * Every round checks its counts (application rows, effect rows, events on
 * the local bus or in the stream, rows left unpublished) and fails the
 * bench on a mismatch or on any error a bus or relay reports. Tables are
 * emptied between rounds (not timed), so each round starts alike.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { jetstreamManager } from "@nats-io/jetstream";
import { wsconnect } from "@nats-io/nats-core";
import { createLocalEventBus, type EventBus } from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import {
  createOutbox,
  idempotent,
  type InboxStore,
  type Outbox,
  type OutboxStore,
  postgresInbox,
  postgresOutbox,
  sqliteInbox,
  sqliteOutbox,
  startRelay,
} from "../../src/outbox/mod.ts";
import type { CloudEvent } from "../../src/core/envelope.ts";
import {
  alignTable,
  type BenchResult,
  fillRatios,
  formatUs,
  type LatencySummary,
  median,
  summarize,
} from "./harness.ts";
import { payload } from "./local.ts";
import { natsCatalog } from "./nats.ts";
import { postgresBinDir, startPostgres } from "../../tests/postgres_server.ts";

const TYPE = "context.updated";
type Catalog = typeof natsCatalog;
type Bus = EventBus<Catalog>;
type Sql = postgres.Sql;
/** Events per transaction when committing the relay's backlog. */
const COMMIT_BATCH = 100;
/** The relay's `batch` (its default). */
const RELAY_BATCH = 100;
/** Subjects the events are spread over (one order per subject). */
const SUBJECTS = 16;
/** No publish for this long fails the round (a loaded shared machine). */
const STALL_MS = 30_000;

/** Counts of the outbox suite. */
export interface OutboxBenchOptions {
  /** Events per timed round of the cost groups (publish, inbox). */
  events: number;
  /** Events drained per timed round of the relay groups. */
  relayEvents: number;
  rounds: number;
  /** Keep the groups with a case whose name contains this. */
  filter?: string;
  /** Run the nats groups (needs `wsUrl`). */
  nats: boolean;
}

/** What the suite measured: the results and how to print them. */
export interface OutboxRun {
  results: BenchResult[];
  groups: GroupInfo[];
  /** Why the PostgreSQL groups did not run, if they did not. */
  skipped: string[];
  postgresVersion?: string;
  sqliteVersion: string;
}

/** A group as printed: its cases' kind and counts. */
export interface GroupInfo {
  suite: string;
  /** "cost": µs/event, ratio = µs over the baseline's; "rate": events/s. */
  kind: "cost" | "rate";
  events: number;
  rounds: number;
}

/** One case of a group. Hooks run outside the timed part. */
interface Runner {
  name: string;
  baseline?: boolean;
  /** Cost groups: one event, timed alone. */
  one?(i: number): Promise<void> | void;
  /** Rate groups: a round of `n` events; returns its timed ms. */
  round?(n: number): Promise<number>;
  before?(n: number): Promise<void> | void;
  /** Checks the round's counts; throws on a mismatch. */
  after?(n: number): Promise<void> | void;
  close?(): Promise<void> | void;
}

interface Group {
  suite: string;
  kind: "cost" | "rate";
  events: number;
  /** Opens what the cases share; returns them and a close function. */
  open(): Promise<{ runners: Runner[]; close(): Promise<void> }>;
  /** The case names, before opening (for `--filter`). */
  names: string[];
}

/** Errors buses and relays reported; any of them fails the round. */
const reported: unknown[] = [];
const onError = (error: unknown) => void reported.push(error);

function throwReported(label: string): void {
  const error = reported.splice(0)[0];
  if (error !== undefined) {
    throw new Error(`${label}: an error was reported`, { cause: error });
  }
}

const subjectOf = (i: number) => `/workspace/file-${i % SUBJECTS}.ts`;

// ------------------------------------------------------------------ stores

/**
 * A database as the groups use it, its driver's handle type erased: the
 * application's handle, its tables, and the outbox and inbox stores.
 */
interface Db {
  label: string;
  /** The application's handle (inbox transactions are opened from it). */
  handle: unknown;
  /** A transaction on the application's handle. */
  tx(fn: (h: unknown) => unknown): Promise<void>;
  /** Which tables `insertRow` and `insertEffect` write. */
  use(rows: string, effects?: string): Db;
  /** Inserts the application's row for event `i` through `h`. */
  insertRow(h: unknown, i: number): unknown;
  /** Inserts an effect row for `event` through `h`. */
  insertEffect(h: unknown, event: CloudEvent): unknown;
  createTable(table: string, kind: "rows" | "effects"): Promise<void>;
  /** The `n` of a `SELECT count(*) AS n ...`. */
  count(sql: string): Promise<number>;
  exec(sql: string): Promise<void>;
  /** The application's store on `table`, and the relay's on its own handle. */
  outbox(table: string): Promise<{
    app: OutboxStore<unknown, void | Promise<void>>;
    relay: OutboxStore<unknown, void | Promise<void>>;
  }>;
  inbox(table: string): Promise<InboxStore<unknown>>;
  close(): Promise<void>;
}

let tables = 0;

/** The SQLite file: the application's connection and the relay's. */
class SqliteDb implements Db {
  label = "SQLite";
  handle: DatabaseSync;
  #relay: DatabaseSync;
  #rows = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  #table = "";
  #effects = "";

  constructor(readonly path: string) {
    this.handle = open(path);
    this.#relay = open(path);
  }

  /**
   * BEGIN IMMEDIATE, `fn`, COMMIT: all in the caller's task when `fn` is
   * synchronous (as the bench's SQLite steps are, see `inOrder`).
   */
  tx(fn: (h: DatabaseSync) => unknown): Promise<void> {
    const db = this.handle;
    db.exec("BEGIN IMMEDIATE");
    const fail = (error: unknown) => {
      db.exec("ROLLBACK");
      throw error;
    };
    try {
      const result = fn(db);
      if (isThenable(result)) {
        return Promise.resolve(result).then(() => db.exec("COMMIT"), fail);
      }
      db.exec("COMMIT");
    } catch (error) {
      fail(error);
    }
    return Promise.resolve();
  }

  use(rows: string, effects = this.#effects): this {
    this.#table = rows;
    this.#effects = effects;
    return this;
  }

  #prepared(sql: string) {
    let statement = this.#rows.get(sql);
    if (statement === undefined) {
      statement = this.handle.prepare(sql);
      this.#rows.set(sql, statement);
    }
    return statement;
  }

  insertRow(_h: DatabaseSync, i: number): void {
    this.#prepared(
      `INSERT INTO ${this.#table} (path, chunks, subject) VALUES (?, ?, ?)`,
    ).run(payload.path, i, subjectOf(i));
  }

  insertEffect(_h: DatabaseSync, event: CloudEvent): void {
    const data = event.data as typeof payload;
    this.#prepared(
      `INSERT INTO ${this.#effects} (id, path, chunks) VALUES (?, ?, ?)`,
    ).run(event.id, data.path, data.chunks);
  }

  createTable(table: string, kind: "rows" | "effects"): Promise<void> {
    this.handle.exec(
      kind === "rows"
        ? `CREATE TABLE ${table} (n INTEGER PRIMARY KEY, path TEXT, chunks INTEGER, subject TEXT)`
        : `CREATE TABLE ${table} (id TEXT PRIMARY KEY, path TEXT, chunks INTEGER)`,
    );
    return Promise.resolve();
  }

  count(sql: string): Promise<number> {
    const [row] = this.handle.prepare(sql).all() as { n: number }[];
    return Promise.resolve(Number(row.n));
  }

  exec(sql: string): Promise<void> {
    this.handle.exec(sql);
    return Promise.resolve();
  }

  outbox(table: string) {
    return Promise.resolve({
      app: sqliteOutbox(this.handle, { table }),
      relay: sqliteOutbox(this.#relay, { table }) as OutboxStore<
        unknown,
        void
      >,
    });
  }

  inbox(table: string) {
    return Promise.resolve(sqliteInbox(this.handle, { table }));
  }

  close(): Promise<void> {
    this.handle.close();
    this.#relay.close();
    return Promise.resolve();
  }
}

function open(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  return db;
}

/** The PostgreSQL database: the application's pool and the relay's. */
class PostgresDb implements Db {
  label = "PostgreSQL";
  handle: Sql;
  #relay: Sql;
  #table = "";
  #effects = "";

  constructor(url: string) {
    const onnotice = () => {};
    this.handle = postgres(url, { max: 4, onnotice });
    this.#relay = postgres(url, { max: 4, onnotice });
  }

  async tx(fn: (h: Sql) => unknown): Promise<void> {
    await this.handle.begin(async (tx) => {
      await fn(tx as unknown as Sql);
    });
  }

  use(rows: string, effects = this.#effects): this {
    this.#table = rows;
    this.#effects = effects;
    return this;
  }

  insertRow(h: Sql, i: number) {
    return h`INSERT INTO ${h(this.#table)} (path, chunks, subject)
      VALUES (${payload.path}, ${i}, ${subjectOf(i)})`;
  }

  insertEffect(h: Sql, event: CloudEvent) {
    const data = event.data as typeof payload;
    return h`INSERT INTO ${h(this.#effects)} (id, path, chunks)
      VALUES (${event.id}, ${data.path}, ${data.chunks})`;
  }

  async createTable(table: string, kind: "rows" | "effects"): Promise<void> {
    await this.handle.unsafe(
      kind === "rows"
        ? `CREATE TABLE ${table} (n bigserial PRIMARY KEY, path text, chunks int, subject text)`
        : `CREATE TABLE ${table} (id text PRIMARY KEY, path text, chunks int)`,
    );
  }

  async count(sql: string): Promise<number> {
    const [row] = await this.handle.unsafe(sql);
    return Number(row.n);
  }

  async exec(sql: string): Promise<void> {
    await this.handle.unsafe(sql);
  }

  async outbox(table: string) {
    return {
      app: await postgresOutbox(this.handle, { table }),
      relay: await postgresOutbox(this.#relay, { table }) as OutboxStore<
        unknown,
        Promise<void>
      >,
    };
  }

  inbox(table: string) {
    return postgresInbox(this.handle, { table });
  }

  async close(): Promise<void> {
    await this.handle.end();
    await this.#relay.end();
  }
}

type AnyDb = Db;

const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  typeof (x as PromiseLike<unknown> | null)?.then === "function";

/**
 * Calls `steps` in order, awaiting only a result that is a promise
 * (postgres.js queries): synchronous as long as every step is (SQLite), so
 * a SQLite transaction begins and commits in one task, as an application
 * with a synchronous driver writes it.
 */
function inOrder(steps: (() => unknown)[], from = 0): unknown {
  for (let k = from; k < steps.length; k++) {
    const result = steps[k]();
    if (isThenable(result)) {
      return Promise.resolve(result).then(() => inOrder(steps, k + 1));
    }
  }
}

/**
 * What a stalled relay left behind, for the error: rows of `table` not
 * published, how many of them leased, and (PostgreSQL) the sessions of
 * the database that are not idle.
 */
async function stateOf(db: Db, table: string): Promise<string> {
  try {
    const pending = await db.count(
      `SELECT count(*) AS n FROM ${table} WHERE published_at IS NULL`,
    );
    const leased = await db.count(
      `SELECT count(*) AS n FROM ${table} WHERE published_at IS NULL AND lease_owner IS NOT NULL`,
    );
    let sessions = "";
    if (db instanceof PostgresDb) {
      const rows = await db.handle.unsafe(
        `SELECT state, wait_event_type, wait_event, left(query, 100) AS query
          FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND state <> 'idle'`,
      );
      sessions = `; sessions not idle: ${JSON.stringify([...rows])}`;
    }
    return `${table}: ${pending} rows unpublished, ${leased} of them leased${sessions}`;
  } catch (error) {
    return `(state unavailable: ${(error as Error).message})`;
  }
}

// ------------------------------------------------------------------ buses

interface Transport {
  label: "local" | "nats";
  open(k: number): Promise<OpenBus>;
}

interface OpenBus {
  bus: Bus;
  /** Events that reached the bus since the start (subscriber or stream). */
  published(): Promise<number>;
  close(): Promise<void>;
}

function localTransport(): Transport {
  return {
    label: "local",
    open() {
      const bus = createLocalEventBus(natsCatalog, {
        source: "/bench/outbox",
        onError,
      });
      let seen = 0;
      bus.subscribe(TYPE, () => void seen++);
      return Promise.resolve({
        bus,
        published: () => Promise.resolve(seen),
        close: () => bus.close(),
      });
    },
  };
}

/** `wsUrl` starts the server on first use (not for a filtered-out group). */
function natsTransport(url: () => Promise<string>): Transport {
  return {
    label: "nats",
    async open(k) {
      const wsUrl = await url();
      const stream = `BENCH_OUTBOX_${k}`;
      const bus = await createEventBus(natsCatalog, {
        transport: "nats",
        source: "/bench/outbox",
        onError,
        nats: { servers: wsUrl, stream, subjectPrefix: `bench.outbox${k}` },
      });
      const nc = await wsconnect({ servers: wsUrl, noAsyncTraces: true });
      const jsm = await jetstreamManager(nc);
      return {
        bus,
        async published() {
          return (await jsm.streams.info(stream)).state.messages;
        },
        async close() {
          await bus.close();
          await jsm.streams.delete(stream);
          await nc.close();
        },
      };
    },
  };
}

/**
 * `bus` for the relay: the same bus, counting each `publish` that resolved
 * and waking whoever waits for a count.
 */
function counting(bus: Bus) {
  let total = 0;
  let target = Infinity;
  let wake: (() => void) | undefined;
  const proxy = new Proxy(bus, {
    get(target_, property) {
      if (property === "publish") {
        return async (...args: Parameters<Bus["publish"]>) => {
          const event = await target_.publish(...args);
          if (++total >= target) wake?.();
          return event;
        };
      }
      const value = Reflect.get(target_, property, target_);
      return typeof value === "function" ? value.bind(target_) : value;
    },
  });
  return {
    bus: proxy,
    get total() {
      return total;
    },
    /** Resolves once `goal` publishes have resolved; fails on a stall. */
    async until(goal: number, label: string): Promise<void> {
      let last = total;
      let since = performance.now();
      let timer: ReturnType<typeof setInterval> | undefined;
      try {
        while (total < goal) {
          await new Promise<void>((resolve, reject) => {
            target = goal;
            wake = resolve;
            if (total >= goal) return resolve();
            timer = setInterval(() => {
              if (reported.length > 0) {
                return reject(
                  new Error(`${label}: relay reported an error`, {
                    cause: reported[0],
                  }),
                );
              }
              if (total !== last) {
                last = total;
                since = performance.now();
              } else if (performance.now() - since > STALL_MS) {
                reject(
                  new Error(
                    `${label}: ${
                      goal - total
                    } events not published (no progress for ${STALL_MS} ms)`,
                  ),
                );
              }
            }, 250);
          });
          clearInterval(timer);
        }
      } finally {
        clearInterval(timer);
        wake = undefined;
        target = Infinity;
      }
    },
  };
}

// ------------------------------------------------------------------ groups

type Added = Outbox<Catalog, unknown, void | Promise<void>>;

/** `outbox.add` of event `i` (the promise for PostgreSQL). */
const add = (outbox: Added, h: unknown, i: number, subject = subjectOf(i)) =>
  outbox.add(h, TYPE, payload, { subject });

function publishGroup(
  db: AnyDb,
  transport: Transport,
  events: number,
): Group {
  const suite = `outbox publish, ${db.label}, ${transport.label}`;
  const names = [
    "direct: tx(insert row), commit, then await bus.publish",
    "outbox: tx(insert row + outbox.add), commit; no relay",
    "outbox: the same, then wait for the relay's bus.publish of it",
  ];
  return {
    suite,
    kind: "cost",
    events,
    names,
    async open() {
      const k = ++tables;
      const { bus, published, close } = await transport.open(k);
      const [direct, quiet, relayed] = [1, 2, 3].map((j) => `g${k}_rows${j}`);
      for (const t of [direct, quiet, relayed]) {
        await db.createTable(t, "rows");
      }
      const quietStore = await db.outbox(`g${k}_outbox2`);
      const relayedStore = await db.outbox(`g${k}_outbox3`);
      const quietOutbox = createOutbox(bus, quietStore.app) as Added;
      const relayedOutbox = createOutbox(bus, relayedStore.app) as Added;
      const counter = counting(bus);
      const relay = startRelay(counter.bus, relayedStore.relay, {
        outbox: relayedOutbox,
        batch: RELAY_BATCH,
        onError,
      });
      const tx = db.tx.bind(db);
      const row = db.insertRow.bind(db);
      let expected = 0;
      let seen = 0;
      const countRows = async (table: string, n: number) => {
        const rows = await db.count(`SELECT count(*) AS n FROM ${table}`);
        if (rows !== n) {
          throw new Error(`${suite}: ${table} has ${rows} rows, expected ${n}`);
        }
        await db.exec(`DELETE FROM ${table}`);
      };
      const checkPublished = async (label: string, n: number) => {
        throwReported(`${suite}: ${label}`);
        expected += n;
        seen = await published();
        if (seen !== expected) {
          throw new Error(
            `${suite}: ${label}: ${seen} events on the bus, expected ${expected}`,
          );
        }
      };
      const runners: Runner[] = [
        {
          name: names[0],
          baseline: true,
          async one(i) {
            db.use(direct);
            await tx((h) => row(h, i));
            await bus.publish(TYPE, payload, { subject: subjectOf(i) });
          },
          async after(n) {
            await countRows(direct, n);
            await checkPublished(names[0], n);
          },
        },
        {
          name: names[1],
          async one(i) {
            db.use(quiet);
            await tx((h) =>
              inOrder([() => row(h, i), () => add(quietOutbox, h, i)])
            );
          },
          async after(n) {
            await countRows(quiet, n);
            const pending = await db.count(
              `SELECT count(*) AS n FROM g${k}_outbox2 WHERE published_at IS NULL`,
            );
            if (pending !== n) {
              throw new Error(
                `${suite}: ${pending} outbox rows, expected ${n}`,
              );
            }
            await db.exec(`DELETE FROM g${k}_outbox2`);
            await checkPublished(names[1], 0);
          },
        },
        {
          name: names[2],
          async one(i) {
            db.use(relayed);
            const goal = counter.total + 1;
            await tx((h) =>
              inOrder([() => row(h, i), () => add(relayedOutbox, h, i)])
            );
            await counter.until(goal, names[2]);
          },
          async after(n) {
            await countRows(relayed, n);
            await checkPublished(names[2], n);
            // The relay marks after publishing: wait for the last mark.
            const table = `g${k}_outbox3`;
            const deadline = Date.now() + STALL_MS;
            while (
              await db.count(
                `SELECT count(*) AS n FROM ${table} WHERE published_at IS NULL`,
              ) > 0
            ) {
              if (Date.now() > deadline) {
                throw new Error(`${suite}: outbox rows left unpublished`);
              }
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
            await db.exec(`DELETE FROM ${table}`);
          },
        },
      ];
      return {
        runners,
        async close() {
          await relay.stop();
          await close();
        },
      };
    },
  };
}

function relayGroup(
  db: AnyDb,
  transport: Transport,
  events: number,
): Group {
  const suite = `outbox relay, ${db.label}, ${transport.label}`;
  const names = [
    "direct: await bus.publish, one at a time",
    `relay: drain N committed events, ${SUBJECTS} subjects (batch ${RELAY_BATCH})`,
    "relay: the same, all N on one subject",
  ];
  return {
    suite,
    kind: "rate",
    events,
    names,
    async open() {
      const k = ++tables;
      const { bus, published, close } = await transport.open(k);
      const rows = `g${k}_rows`;
      const table = `g${k}_outbox`;
      await db.createTable(rows, "rows");
      const store = await db.outbox(table);
      const outbox = createOutbox(bus, store.app) as Added;
      const tx = db.tx.bind(db);
      const row = db.insertRow.bind(db);
      let expected = 0;
      const checkPublished = async (label: string, n: number) => {
        throwReported(`${suite}: ${label}`);
        expected += n;
        const seen = await published();
        if (seen !== expected) {
          throw new Error(
            `${suite}: ${label}: ${seen} events on the bus, expected ${expected}`,
          );
        }
      };
      /** Commits n events over `subject(i)` (not timed), then drains them. */
      const drain = (
        name: string,
        subject: (i: number) => string,
      ): Runner => ({
        name,
        async before(n) {
          db.use(rows);
          for (let i = 0; i < n; i += COMMIT_BATCH) {
            const steps: (() => unknown)[] = [];
            await tx((h) => {
              for (let j = i; j < Math.min(n, i + COMMIT_BATCH); j++) {
                steps.push(
                  () => row(h, j),
                  () => add(outbox, h, j, subject(j)),
                );
              }
              return inOrder(steps);
            });
          }
        },
        async round(n) {
          const counter = counting(bus);
          const start = performance.now();
          const relay = startRelay(counter.bus, store.relay, {
            batch: RELAY_BATCH,
            onError,
          });
          try {
            await counter.until(n, name).catch(async (error) => {
              throw new Error(
                `${suite}: ${(error as Error).message}; ${await stateOf(
                  db,
                  table,
                )}`,
                { cause: error },
              );
            });
          } finally {
            await relay.stop();
          }
          return performance.now() - start;
        },
        async after(n) {
          await checkPublished(name, n);
          const pending = await db.count(
            `SELECT count(*) AS n FROM ${table} WHERE published_at IS NULL`,
          );
          const all = await db.count(`SELECT count(*) AS n FROM ${table}`);
          if (pending !== 0 || all !== n) {
            throw new Error(
              `${suite}: ${name}: ${all} outbox rows (expected ${n}), ${pending} unpublished`,
            );
          }
          await db.exec(`DELETE FROM ${table}`);
          await db.exec(`DELETE FROM ${rows}`);
        },
      });
      const runners: Runner[] = [
        {
          name: names[0],
          baseline: true,
          async round(n) {
            const start = performance.now();
            for (let i = 0; i < n; i++) {
              await bus.publish(TYPE, payload, { subject: subjectOf(i) });
            }
            return performance.now() - start;
          },
          after: (n) => checkPublished(names[0], n),
        },
        drain(names[1], subjectOf),
        drain(names[2], () => "/workspace/one.ts"),
      ];
      return { runners, close };
    },
  };
}

function inboxGroup(db: AnyDb, events: number): Group {
  const suite = `outbox inbox, ${db.label}`;
  const names = [
    "plain: handler inserts 1 effect row in its own tx",
    "idempotent(): the same insert + inbox record, one tx",
    "idempotent(), redelivered: recorded already, handler skipped",
  ];
  return {
    suite,
    kind: "cost",
    events,
    names,
    async open() {
      const k = ++tables;
      const [plainTable, wrappedTable] = [`g${k}_effects1`, `g${k}_effects2`];
      await db.createTable(plainTable, "effects");
      await db.createTable(wrappedTable, "effects");
      const inboxTable = `g${k}_inbox`;
      const inbox = await db.inbox(inboxTable);
      const effect = db.insertEffect.bind(db);
      const plain = async (event: CloudEvent) => {
        db.use("", plainTable);
        await db.tx((h) => effect(h, event));
      };
      const wrapped = idempotent(
        inbox,
        db.handle,
        "bench",
        async (event, h) => {
          db.use("", wrappedTable);
          await effect(h, event);
        },
      );
      const source = "/bench/outbox";
      const makeEvents = (n: number): CloudEvent[] =>
        Array.from({ length: n }, () =>
          ({
            specversion: "1.0",
            id: crypto.randomUUID(),
            source,
            type: TYPE,
            time: new Date().toISOString(),
            datacontenttype: "application/json",
            data: payload,
          }) as CloudEvent);
      let plainEvents: CloudEvent[] = [];
      let wrappedEvents: CloudEvent[] = [];
      const countEffects = async (table: string, n: number, label: string) => {
        const rows = await db.count(`SELECT count(*) AS n FROM ${table}`);
        if (rows !== n) {
          throw new Error(`${suite}: ${label}: ${rows} effects, expected ${n}`);
        }
      };
      const runners: Runner[] = [
        {
          name: names[0],
          baseline: true,
          before(n) {
            plainEvents = makeEvents(n);
          },
          one: (i) => plain(plainEvents[i]),
          async after(n) {
            await countEffects(plainTable, n, names[0]);
            await db.exec(`DELETE FROM ${plainTable}`);
          },
        },
        {
          name: names[1],
          before(n) {
            wrappedEvents = makeEvents(n);
          },
          one: (i) => wrapped(wrappedEvents[i]),
          async after(n) {
            await countEffects(wrappedTable, n, names[1]);
            const records = await db.count(
              `SELECT count(*) AS n FROM ${inboxTable}`,
            );
            if (records !== n) {
              throw new Error(`${suite}: ${records} records, expected ${n}`);
            }
          },
        },
        {
          name: names[2],
          // The previous case's events of this round, handled once already.
          one: (i) => wrapped(wrappedEvents[i]),
          async after(n) {
            await countEffects(wrappedTable, n, names[2]);
            await db.exec(`DELETE FROM ${wrappedTable}`);
            await db.exec(`DELETE FROM ${inboxTable}`);
          },
        },
      ];
      return { runners, close: () => Promise.resolve() };
    },
  };
}

// ------------------------------------------------------------------ running

/** Warms each case up, then runs the rounds interleaved. */
async function runGroup(
  group: Group,
  rounds: number,
  onResult?: (result: BenchResult) => void,
): Promise<BenchResult[]> {
  const { runners, close } = await group.open();
  const n = group.events;
  const rates = runners.map((): number[] => []);
  const samples = runners.map(() => new Float64Array(n * rounds));
  // r < 0: the warm-up, a quarter of a round.
  const roundOf = async (runner: Runner, k: number, r: number) => {
    const count = r < 0 ? Math.ceil(n / 4) : n;
    await runner.before?.(count);
    let ms: number;
    if (runner.round) ms = await runner.round(count);
    else {
      const times = r < 0 ? undefined : samples[k];
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        const t = performance.now();
        await runner.one!(i);
        if (times) times[r * n + i] = performance.now() - t;
      }
      ms = performance.now() - start;
    }
    await runner.after?.(count);
    throwReported(`${group.suite}: ${runner.name}`);
    return ms;
  };
  try {
    for (const [k, runner] of runners.entries()) await roundOf(runner, k, -1);
    for (let r = 0; r < rounds; r++) {
      for (const [k, runner] of runners.entries()) {
        rates[k].push(n / (await roundOf(runner, k, r) / 1000));
      }
    }
  } finally {
    for (const runner of runners) await runner.close?.();
    await close();
  }
  const results = runners.map((runner, k): BenchResult => {
    const latency: LatencySummary | undefined = group.kind === "cost"
      ? summarize(samples[k])
      : undefined;
    return {
      suite: group.suite,
      name: `${group.suite}: ${runner.name}`,
      subscribers: 1,
      baseline: runner.baseline === true,
      medianEventsPerSec: median(rates[k]),
      ratio: null,
      ratioOf: "events/s",
      roundsEventsPerSec: rates[k].map(Math.round),
      ...latency ? { latency } : {},
    };
  });
  fillRatios(results);
  for (const result of results) onResult?.(result);
  return results;
}

/**
 * Runs the suite: starts PostgreSQL (skipped with a note when it is not
 * installed) and makes a SQLite file in a temp dir, removes both at the end.
 */
export async function runOutboxSuite(
  options: OutboxBenchOptions,
  wsUrl: () => Promise<string>,
  onResult?: (result: BenchResult) => void,
): Promise<OutboxRun> {
  const skipped: string[] = [];
  const dir = await Deno.makeTempDir({ prefix: "mcb-bench-outbox-" });
  const sqlite = new SqliteDb(`${dir}/app.sqlite`);
  const [{ v }] = sqlite.handle.prepare("SELECT sqlite_version() AS v")
    .all() as { v: string }[];
  let server: AsyncDisposable | undefined;
  let pg: PostgresDb | undefined;
  let postgresVersion: string | undefined;
  const results: BenchResult[] = [];
  const groups: GroupInfo[] = [];
  try {
    try {
      postgresBinDir();
    } catch (error) {
      skipped.push(`PostgreSQL groups skipped: ${(error as Error).message}`);
    }
    const transports: Transport[] = [localTransport()];
    if (options.nats) transports.push(natsTransport(wsUrl));
    const plan = (dbs: AnyDb[]) => {
      const list: Group[] = [];
      for (const db of dbs) {
        for (const t of transports) {
          list.push(publishGroup(db, t, options.events));
        }
      }
      for (const db of dbs) {
        for (const t of transports) {
          list.push(relayGroup(db, t, options.relayEvents));
        }
      }
      for (const db of dbs) list.push(inboxGroup(db, options.events));
      return list.filter((g) =>
        options.filter === undefined ||
        g.names.some((name) => `${g.suite}: ${name}`.includes(options.filter!))
      );
    };
    // Start PostgreSQL only if one of its groups is selected.
    const wantsPg = skipped.length === 0 &&
      plan([{ label: "PostgreSQL" } as AnyDb]).length > 0;
    if (wantsPg) {
      const started = await startPostgres({ database: "bench" });
      server = started;
      pg = new PostgresDb(started.url);
      const [row] = await pg.handle`SHOW server_version`;
      postgresVersion = String(row.server_version);
      console.error(`PostgreSQL ${postgresVersion} at ${started.url}`);
    }
    const selected = plan(pg ? [sqlite, pg] : [sqlite]);
    // Order: both stores of each part together (publish, relay, inbox).
    for (const group of selected) {
      results.push(...await runGroup(group, options.rounds, onResult));
      groups.push({
        suite: group.suite,
        kind: group.kind,
        events: group.events,
        rounds: options.rounds,
      });
    }
  } finally {
    await pg?.close();
    await server?.[Symbol.asyncDispose]();
    await sqlite.close();
    await Deno.remove(dir, { recursive: true });
  }
  return {
    results,
    groups,
    skipped,
    sqliteVersion: v,
    ...postgresVersion ? { postgresVersion } : {},
  };
}

/** The suite's results as an aligned text table. */
export function formatOutboxTable(run: OutboxRun): string {
  const header = [
    "case",
    "events x rounds",
    "median",
    "rounds min-max",
    "p50",
    "p99",
    "max",
    "ratio",
  ];
  const us = (rate: number) => 1e6 / rate;
  const k = (n: number) =>
    n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : `${Math.round(n)}`;
  const rows = run.results.map((r) => {
    const g = run.groups.find((x) => x.suite === r.suite)!;
    const cost = g.kind === "cost";
    const lo = Math.min(...r.roundsEventsPerSec);
    const hi = Math.max(...r.roundsEventsPerSec);
    return [
      r.name,
      `${g.events} x ${g.rounds}`,
      cost
        ? `${us(r.medianEventsPerSec).toFixed(1)} µs/event`
        : `${
          Math.round(r.medianEventsPerSec).toLocaleString("en-US")
        } events/s`,
      cost
        ? `${us(hi).toFixed(1)}-${us(lo).toFixed(1)} µs`
        : `${k(lo)}-${k(hi)}/s`,
      r.latency ? formatUs(r.latency.p50Us) : "-",
      r.latency ? formatUs(r.latency.p99Us) : "-",
      r.latency ? formatUs(r.latency.maxUs) : "-",
      r.ratio === null
        ? "-"
        : cost
        ? `${(1 / r.ratio).toFixed(2)}x cost`
        : `${r.ratio.toFixed(2)}x rate`,
    ];
  });
  return alignTable(header, rows);
}
