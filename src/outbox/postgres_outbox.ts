/**
 * The outbox's PostgreSQL store, over the application's postgres.js, pg or
 * PGlite handle.
 *
 * @module
 */

import type { CloudEvent } from "../core/envelope.ts";
import type { OutboxStore } from "./types.ts";
import {
  connection,
  createOnce,
  type PgRow,
  type PostgresHandle,
} from "./_postgres.ts";
import { tableName } from "./_table_name.ts";

export type {
  PgQueryHandle,
  PostgresHandle,
  PostgresJsHandle,
  TransactionOf,
} from "./_postgres.ts";

/** Options of {@linkcode postgresOutbox}. */
export interface PostgresOutboxOptions {
  /**
   * The table's name; also the `NOTIFY` channel.
   *
   * @default {"mcb_outbox"}
   */
  table?: string;
  /**
   * Create the table and its indexes if missing. `false` when migrations
   * own the schema (see `docs/outbox.md` for the DDL).
   *
   * @default {true}
   */
  create?: boolean;
}

/**
 * The outbox's store in a PostgreSQL database, through postgres.js
 * (`postgres(url)`), pg (a `Pool` or `Client`) or PGlite.
 *
 * - `insert` runs one statement through the handle `add` is given (the
 *   application's transaction): it takes a transaction-scoped advisory lock
 *   on the event's subject, so two transactions adding events of one
 *   subject commit one after the other and sequence order is commit order
 *   per subject, and it queues a `NOTIFY` that PostgreSQL sends at commit.
 *   Add the events of several subjects in one order everywhere (as with
 *   any lock) or PostgreSQL may abort one transaction as a deadlock.
 * - `claim` takes an advisory lock for the table, so claims of concurrent
 *   relays run one at a time, and leases the rows it returns.
 * - `listen` wakes relays in every process at each commit.
 *
 * @param db The handle claims, marks and deletes go through (the root
 *   postgres.js `sql`, a pg `Pool` or `Client`, a `PGlite`).
 * @param options The table; whether to create it.
 * @returns A promise of the store, once its table exists. Its `insert`
 *   (`outbox.add`) takes any handle of a supported driver: the `tx` of
 *   `sql.begin`, a pg client in a transaction, a PGlite transaction.
 * @throws {TypeError} for a table name that is not a plain identifier or
 *   a handle of no supported driver.
 *
 * @example With PGlite (Postgres in WASM)
 * ```ts
 * import { postgresOutbox } from "@mcb/event-bus/outbox";
 * import { PGlite } from "@electric-sql/pglite";
 *
 * const db = await PGlite.create();
 * const store = await postgresOutbox(db);
 * console.log(await store.claim({ owner: "r", limit: 10, lease: 1000, now: 0 })); // []
 * await db.close();
 * ```
 */
export async function postgresOutbox<H extends PostgresHandle>(
  db: H,
  options: PostgresOutboxOptions = {},
): Promise<OutboxStore<PostgresHandle, Promise<void>>> {
  const t = tableName("PostgreSQL outbox", options.table ?? "mcb_outbox");
  const conn = connection(db);
  if (options.create !== false) {
    await createOnce(conn, t, [
      `CREATE TABLE IF NOT EXISTS ${t} (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        subject text NOT NULL,
        event jsonb NOT NULL,
        lease_owner text,
        lease_until bigint,
        published_at bigint)`,
      `CREATE INDEX IF NOT EXISTS ${t}_pending ON ${t} (subject, seq)
        WHERE published_at IS NULL`,
      `CREATE INDEX IF NOT EXISTS ${t}_published ON ${t} (published_at)
        WHERE published_at IS NOT NULL`,
    ]);
  }
  const insert = `WITH l AS (
      SELECT pg_advisory_xact_lock(hashtextextended($4, 0))),
    n AS (SELECT pg_notify($5, ''))
    INSERT INTO ${t} (id, subject, event) SELECT $1, $2, $3::jsonb FROM l, n`;
  const claim = `WITH c AS (
      SELECT seq FROM ${t} o WHERE published_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM ${t} b WHERE b.subject = o.subject
          AND b.published_at IS NULL AND b.lease_owner <> $1
          AND b.lease_until > $2)
      ORDER BY seq LIMIT $3)
    UPDATE ${t} SET lease_owner = $1, lease_until = $4 FROM c
    WHERE ${t}.seq = c.seq RETURNING ${t}.seq, ${t}.event`;
  const seqs = (list: readonly number[]) => list.join(",");
  return {
    async insert(handle, event: CloudEvent) {
      const subject = event.subject ?? "";
      await connection(handle).query(insert, [
        event.id,
        subject,
        JSON.stringify(event),
        `${t}:${subject}`,
        t,
      ]);
    },
    claim({ owner, limit, lease, now }) {
      return conn.transaction(async (tx) => {
        await tx.query(
          "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
          [t],
        );
        const rows = await tx.query(claim, [owner, now, limit, now + lease]);
        return rows.map(claimed).sort((a, b) => a.seq - b.seq);
      });
    },
    async markPublished(list, now) {
      await conn.query(
        `UPDATE ${t} SET published_at = $1
          WHERE seq = ANY(string_to_array($2, ',')::bigint[])`,
        [now, seqs(list)],
      );
    },
    async deletePublished(before) {
      const [row] = await conn.query(
        `WITH d AS (DELETE FROM ${t}
          WHERE published_at IS NOT NULL AND published_at < $1 RETURNING 1)
        SELECT count(*)::int AS n FROM d`,
        [before],
      );
      return Number(row?.n ?? 0);
    },
    listen(wake) {
      return conn.listen(t, wake);
    },
  };
}

function claimed(row: PgRow) {
  const event = typeof row.event === "string"
    ? JSON.parse(row.event)
    : row.event;
  return { seq: Number(row.seq), event: event as CloudEvent };
}
