/**
 * The inbox's SQLite store, over the application's `node:sqlite`
 * `DatabaseSync`.
 *
 * @module
 */

import type { InboxStore } from "./types.ts";
import { type SqliteDatabase, tableName } from "./_sqlite.ts";

/** Options of {@linkcode sqliteInbox}. */
export interface SqliteInboxOptions {
  /**
   * The table's name (created if missing).
   *
   * @default {"mcb_inbox"}
   */
  table?: string;
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
 * const first = await inbox.transaction(db, async () => inbox.record(db, "c", "e1", 0));
 * const again = await inbox.transaction(db, async () => inbox.record(db, "c", "e1", 0));
 * console.log(first, again); // true false
 * ```
 */
export function sqliteInbox(
  db: SqliteDatabase,
  options: SqliteInboxOptions = {},
): InboxStore<SqliteDatabase> {
  const t = tableName("SQLite inbox", options.table ?? "mcb_inbox");
  db.exec(`CREATE TABLE IF NOT EXISTS ${t} (
    consumer TEXT NOT NULL,
    id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (consumer, id)
  )`);
  db.exec(`CREATE INDEX IF NOT EXISTS ${t}_age ON ${t} (received_at)`);
  const purge = db.prepare(`DELETE FROM ${t} WHERE received_at < ?`);
  // One transaction at a time per connection.
  const queues = new WeakMap<SqliteDatabase, Promise<unknown>>();
  return {
    transaction(handle, fn) {
      const previous = queues.get(handle) ?? Promise.resolve();
      const next = previous.then(async () => {
        handle.exec("BEGIN IMMEDIATE");
        try {
          const result = await fn();
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
      const result = handle.prepare(
        `INSERT OR IGNORE INTO ${t} (consumer, id, received_at) VALUES (?, ?, ?)`,
      ).run(consumer, id, now);
      return Number(result.changes) === 1;
    },
    expire(before) {
      return Number(purge.run(before).changes);
    },
  };
}
