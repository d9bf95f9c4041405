/**
 * The inbox's PostgreSQL store, over the application's postgres.js, pg or
 * PGlite handle.
 *
 * @module
 */

import type { InboxStore } from "./types.ts";
import {
  connection,
  createOnce,
  type PostgresHandle,
  type TransactionOf,
} from "./_postgres.ts";
import { tableName } from "./_table_name.ts";

/** Options of {@linkcode postgresInbox}. */
export interface PostgresInboxOptions {
  /**
   * The table's name.
   *
   * @default {"mcb_inbox"}
   */
  table?: string;
  /**
   * Create the table and its index if missing.
   *
   * @default {true}
   */
  create?: boolean;
}

/**
 * The inbox's store in a PostgreSQL database: one row per (consumer, event
 * id). Transactions are opened from the handle given to `idempotent`: the
 * root postgres.js `sql` (`begin`), a pg `Pool` (a client of its own per
 * transaction) or `Client` (one transaction at a time), a `PGlite`
 * (`transaction`). Two deliveries of one event racing in two transactions
 * run the handler once: the second insert waits for the first commit and
 * then finds the record.
 *
 * @param db The handle `expire` deletes through.
 * @param options The table; whether to create it.
 * @returns A promise of the store, once its table exists.
 * @throws {TypeError} for a table name that is not a plain identifier or
 *   a handle of no supported driver.
 *
 * @example With PGlite (Postgres in WASM)
 * ```ts
 * import { postgresInbox } from "@mcb/event-bus/outbox";
 * import { PGlite } from "@electric-sql/pglite";
 *
 * const db = await PGlite.create();
 * const inbox = await postgresInbox(db);
 * const first = await inbox.transaction(db, (tx) => inbox.record(tx, "c", "e1", 0));
 * const again = await inbox.transaction(db, (tx) => inbox.record(tx, "c", "e1", 0));
 * console.log(first, again); // true false
 * await db.close();
 * ```
 */
export async function postgresInbox<H extends PostgresHandle>(
  db: H,
  options: PostgresInboxOptions = {},
): Promise<InboxStore<H, TransactionOf<H>>> {
  const t = tableName("PostgreSQL inbox", options.table ?? "mcb_inbox");
  const conn = connection(db);
  if (options.create !== false) {
    await createOnce(conn, t, [
      `CREATE TABLE IF NOT EXISTS ${t} (
        consumer text NOT NULL,
        id text NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (consumer, id))`,
      `CREATE INDEX IF NOT EXISTS ${t}_age ON ${t} (received_at)`,
    ]);
  }
  return {
    transaction(handle, fn) {
      return connection(handle).transaction((_tx, raw) =>
        fn(raw as TransactionOf<H>)
      );
    },
    async record(tx, consumer, id, now) {
      const rows = await connection(tx as PostgresHandle).query(
        `INSERT INTO ${t} (consumer, id, received_at) VALUES ($1, $2, $3)
          ON CONFLICT DO NOTHING RETURNING 1`,
        [consumer, id, now],
      );
      return rows.length === 1;
    },
    async expire(before) {
      const [row] = await conn.query(
        `WITH d AS (DELETE FROM ${t} WHERE received_at < $1 RETURNING 1)
        SELECT count(*)::int AS n FROM d`,
        [before],
      );
      return Number(row?.n ?? 0);
    },
  };
}
