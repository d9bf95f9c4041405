/**
 * The outbox's SQLite store, over the application's `node:sqlite`
 * `DatabaseSync`.
 *
 * @module
 */

import type { CloudEvent } from "../core/envelope.ts";
import type { OutboxStore } from "./types.ts";
import {
  ensureSchema,
  immediate,
  prepared,
  type SqliteDatabase,
} from "./_sqlite.ts";
import { tableName } from "./_table_name.ts";

export type { SqliteDatabase, SqliteStatement, SqlValue } from "./_sqlite.ts";

/** Options of {@linkcode sqliteOutbox}. */
export interface SqliteOutboxOptions {
  /**
   * The table's name (created if missing, with an index `<table>_pending`).
   *
   * @default {"mcb_outbox"}
   */
  table?: string;
  /**
   * How long the relay's writes wait for another connection's write
   * transaction, ms, on timers (never blocking the thread) before failing
   * with "database is locked".
   * Creating the tables, when missing, waits as long in SQLite's own busy
   * wait.
   *
   * @default {5000}
   */
  busyTimeout?: number;
}

/**
 * The outbox's store in a SQLite database. Its table is created if
 * missing. SQLite commits one write transaction at a time, so the order
 * rows are inserted in is their commit order.
 *
 * `insert` writes through the handle `add` is given (the application's
 * connection, in its transaction); `claim`, `markPublished` and
 * `deletePublished` use `db`, each in a transaction of its own. A claim on
 * a connection with a transaction open (the application awaiting between
 * `BEGIN` and `COMMIT`) claims nothing: give the relay a store on a
 * connection of its own to publish without waiting for the next poll.
 *
 * @param db The database (`new DatabaseSync(path)` from `node:sqlite`).
 * @param options The table's name.
 * @returns The store.
 * @throws {TypeError} for a table name that is not a plain identifier.
 *
 * @example
 * ```ts
 * import { sqliteOutbox } from "@mcb/event-bus/outbox";
 * import { DatabaseSync } from "node:sqlite";
 *
 * const db = new DatabaseSync(":memory:");
 * const store = sqliteOutbox(db);
 * console.log(await store.claim({ owner: "r", limit: 10, lease: 1000, now: 0 })); // []
 * ```
 */
export function sqliteOutbox<D extends SqliteDatabase>(
  db: D,
  options: SqliteOutboxOptions = {},
): OutboxStore<D, void> {
  const t = tableName("SQLite outbox", options.table ?? "mcb_outbox");
  const wait = options.busyTimeout ?? 5000;
  ensureSchema(db, [t, `${t}_pending`, `${t}_unpublished`], [
    `CREATE TABLE IF NOT EXISTS ${t} (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      subject TEXT NOT NULL,
      event TEXT NOT NULL,
      lease_owner TEXT,
      lease_until INTEGER,
      published_at INTEGER)`,
    `CREATE INDEX IF NOT EXISTS ${t}_pending ON ${t} (subject, published_at)`,
    `CREATE INDEX IF NOT EXISTS ${t}_unpublished ON ${t} (seq)
      WHERE published_at IS NULL`,
  ], wait);
  // The subjects leased to others are found once per claim, not once per
  // candidate row (a backlog of one subject made that quadratic).
  const select = db.prepare(`SELECT seq, event FROM ${t}
    WHERE published_at IS NULL AND subject NOT IN (
      SELECT subject FROM ${t} WHERE published_at IS NULL
        AND lease_owner <> ? AND lease_until > ?)
    ORDER BY seq LIMIT ?`);
  const lease = db.prepare(`UPDATE ${t} SET lease_owner = ?, lease_until = ?
    WHERE seq IN (SELECT value FROM json_each(?))`);
  const mark = db.prepare(`UPDATE ${t} SET published_at = ?
    WHERE seq IN (SELECT value FROM json_each(?))`);
  const purge = db.prepare(
    `DELETE FROM ${t} WHERE published_at IS NOT NULL AND published_at < ?`,
  );
  const insert = `INSERT INTO ${t} (id, subject, event) VALUES (?, ?, ?)`;
  return {
    insert(handle: D, event: CloudEvent) {
      prepared(handle, insert).run(
        event.id,
        event.subject ?? "",
        JSON.stringify(event),
      );
    },
    claim({ owner, limit, lease: ms, now }) {
      if (db.isTransaction) return [];
      return immediate(db, wait, () => {
        const rows = select.all(owner, now, limit) as {
          seq: number;
          event: string;
        }[];
        if (rows.length > 0) {
          lease.run(owner, now + ms, JSON.stringify(rows.map((r) => r.seq)));
        }
        return rows.map((r) => ({
          seq: Number(r.seq),
          event: JSON.parse(r.event) as CloudEvent,
        }));
      });
    },
    markPublished(seqs, now) {
      return immediate(db, wait, () => {
        mark.run(now, JSON.stringify(seqs));
      });
    },
    deletePublished(before) {
      return immediate(db, wait, () => Number(purge.run(before).changes));
    },
  };
}
