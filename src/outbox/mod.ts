/**
 * Exactly-once effects at the application's seams: a transactional outbox
 * (events committed with the application's own writes, published by a
 * relay with their ids, in commit order per subject) and an idempotent
 * inbox (a handler's writes committed with the record of the event, so a
 * redelivery runs it once). Stores are small interfaces: SQLite
 * (`node:sqlite`) and PostgreSQL (postgres.js, pg or PGlite). See `docs/outbox.md`.
 *
 * @example Commit a row and its event together
 * ```ts
 * import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
 * import { createOutbox, sqliteOutbox, startRelay } from "@mcb/event-bus/outbox";
 * import { DatabaseSync } from "node:sqlite";
 * import { z } from "zod";
 *
 * await using bus = createLocalEventBus(
 *   defineEvents({ "indexing.completed": z.object({ path: z.string() }) }),
 * );
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE idx (path TEXT PRIMARY KEY)");
 * const store = sqliteOutbox(db);
 * const outbox = createOutbox(bus, store);
 * await using _relay = startRelay(bus, store, { outbox });
 * const next = bus.once("indexing.completed", { timeout: 1000 });
 * db.exec("BEGIN");
 * db.prepare("INSERT INTO idx VALUES (?)").run("/a");
 * outbox.add(db, "indexing.completed", { path: "/a" }, { subject: "/a" });
 * db.exec("COMMIT");
 * console.log((await next).subject); // "/a"
 * ```
 *
 * @module
 */

export { createOutbox } from "./outbox.ts";
export type { Added, Outbox } from "./outbox.ts";
export { startRelay } from "./relay.ts";
export type { Relay, RelayOptions } from "./relay.ts";
export { idempotent } from "./inbox.ts";
export type { IdempotentOptions } from "./inbox.ts";
export { sqliteOutbox } from "./sqlite_outbox.ts";
export type {
  SqliteDatabase,
  SqliteOutboxOptions,
  SqliteStatement,
  SqlValue,
} from "./sqlite_outbox.ts";
export { sqliteInbox } from "./sqlite_inbox.ts";
export { postgresOutbox } from "./postgres_outbox.ts";
export type {
  PgQueryHandle,
  PostgresHandle,
  PostgresJsHandle,
  PostgresOutboxOptions,
  TransactionOf,
} from "./postgres_outbox.ts";
export { postgresInbox } from "./postgres_inbox.ts";
export type { PostgresInboxOptions } from "./postgres_inbox.ts";
export type { SqliteInboxOptions } from "./sqlite_inbox.ts";
export type {
  ClaimedEvent,
  ClaimRequest,
  InboxStore,
  OutboxStore,
} from "./types.ts";
