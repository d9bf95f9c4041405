/**
 * The inbox's SQLite store, over the application's `node:sqlite`
 * `DatabaseSync`.
 *
 * @module
 */

import type { InboxStore } from "./types.ts";
import {
  beginImmediate,
  ensureSchema,
  prepared,
  type SqliteDatabase,
} from "./_sqlite.ts";
import { tableName } from "./_table_name.ts";

/** Options of {@linkcode sqliteInbox}. */
export interface SqliteInboxOptions {
  /**
   * The table's name (created if missing).
   *
   * @default {"mcb_inbox"}
   */
  table?: string;
  /**
   * How long opening a transaction waits for another connection's write
   * transaction, ms, on timers (never blocking the thread).
   * Creating the tables, when missing, waits as long in SQLite's own busy
   * wait.
   *
   * @default {5000}
   */
  busyTimeout?: number;
}

/**
 * The inbox's store in a SQLite database: one row per (consumer, event
 * id). Its table is created if missing.
 *
 * Transactions on one connection are run one after another (a handler's
 * transaction spans its awaits, and SQLite has one transaction per
 * connection); the handler must not open one itself.
 *
 * @param db The database (`new DatabaseSync(path)` from `node:sqlite`);
 *   `expire` deletes through it.
 * @param options The table's name.
 * @returns The store.
 * @throws {TypeError} for a table name that is not a plain identifier.
 *
 * @example
 * ```ts
 * import { sqliteInbox } from "@mcb/event-bus/outbox";
 * import { DatabaseSync } from "node:sqlite";
 *
 * const db = new DatabaseSync(":memory:");
 * const inbox = sqliteInbox(db);
 * const first = await inbox.transaction(db, async (tx) => inbox.record(tx, "c", "e1", 0));
 * const again = await inbox.transaction(db, async (tx) => inbox.record(tx, "c", "e1", 0));
 * console.log(first, again); // true false
 * ```
 */
export function sqliteInbox<D extends SqliteDatabase>(
  db: D,
  options: SqliteInboxOptions = {},
): InboxStore<D> {
  const t = tableName("SQLite inbox", options.table ?? "mcb_inbox");
  const wait = options.busyTimeout ?? 5000;
  ensureSchema(db, [t, `${t}_age`], [
    `CREATE TABLE IF NOT EXISTS ${t} (
      consumer TEXT NOT NULL,
      id TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      PRIMARY KEY (consumer, id))`,
    `CREATE INDEX IF NOT EXISTS ${t}_age ON ${t} (received_at)`,
  ], wait);
  const purge = db.prepare(`DELETE FROM ${t} WHERE received_at < ?`);
  const insert =
    `INSERT OR IGNORE INTO ${t} (consumer, id, received_at) VALUES (?, ?, ?)`;
  // One transaction at a time per connection.
  const queues = new WeakMap<D, Promise<unknown>>();
  return {
    transaction(handle, fn) {
      const previous = queues.get(handle) ?? Promise.resolve();
      const next = previous.then(async () => {
        await beginImmediate(handle, wait);
        try {
          const result = await fn(handle);
          handle.exec("COMMIT");
          return result;
        } catch (error) {
          handle.exec("ROLLBACK");
          throw error;
        }
      });
      queues.set(handle, next.catch(() => {}));
      return next;
    },
    record(handle, consumer, id, now) {
      const result = prepared(handle, insert).run(consumer, id, now);
      return Number(result.changes) === 1;
    },
    expire(before) {
      return Number(purge.run(before).changes);
    },
  };
}
