// The store conformance suite (tests/outbox_store_conformance.ts) against
// every store: SQLite (node:sqlite), PostgreSQL through postgres.js and
// through pg on a private server these tests start (tests/postgres_server.ts),
// and PGlite (Postgres in WASM, in process).
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import postgres from "postgres";
import { DatabaseSync } from "node:sqlite";
import {
  type PostgresHandle,
  postgresInbox,
  postgresOutbox,
  sqliteInbox,
  sqliteOutbox,
} from "../src/outbox/mod.ts";
import {
  type KitDb,
  storeConformance,
  type StoreKit,
} from "./outbox_store_conformance.ts";
import { startPostgres } from "./postgres_server.ts";

const sqlite: StoreKit<DatabaseSync> = {
  name: "SQLite",
  concurrent: false,
  open(tag) {
    const path = Deno.makeTempFileSync({ suffix: ".sqlite" });
    const app = new DatabaseSync(path);
    const other = new DatabaseSync(path);
    const tables = { outbox: `o_${tag}`, inbox: `i_${tag}` };
    return Promise.resolve({
      app,
      other,
      tables,
      outbox: (db) =>
        Promise.resolve(sqliteOutbox(db, { table: tables.outbox })),
      inbox: (db) => Promise.resolve(sqliteInbox(db, { table: tables.inbox })),
      query: (sql) =>
        Promise.resolve(app.prepare(sql).all().map((r) => ({ ...r }))),
      [Symbol.asyncDispose]() {
        app.close();
        other.close();
        Deno.removeSync(path);
        return Promise.resolve();
      },
    });
  },
};

/** A kit over any PostgreSQL driver: `connect()` gives two handles. */
function pgKit<H extends PostgresHandle>(
  name: string,
  concurrent: boolean,
  connect: () => Promise<{ app: H; other: H; close(): Promise<void> }>,
  run: (h: H, sql: string) => Promise<Record<string, unknown>[]>,
): StoreKit<H> {
  return {
    name,
    concurrent,
    async open(tag): Promise<KitDb<H>> {
      const { app, other, close } = await connect();
      const tables = { outbox: `o_${tag}`, inbox: `i_${tag}` };
      for (const t of Object.values(tables)) {
        await run(app, `DROP TABLE IF EXISTS ${t}, ${t}_fx`);
      }
      return {
        app,
        other,
        tables,
        outbox: (db) => postgresOutbox(db, { table: tables.outbox }),
        inbox: (db) => postgresInbox(db, { table: tables.inbox }),
        query: (sql) => run(app, sql),
        [Symbol.asyncDispose]: close,
      };
    },
  };
}

Deno.test("outbox stores: SQLite (node:sqlite) passes the conformance suite", async (t: Deno.TestContext) => {
  await storeConformance(t, sqlite);
});

Deno.test("outbox stores: PGlite passes the conformance suite", async (t: Deno.TestContext) => {
  const db = await PGlite.create();
  try {
    await storeConformance(
      t,
      pgKit(
        "PGlite",
        false,
        () =>
          Promise.resolve({
            app: db,
            other: db,
            close: () => Promise.resolve(),
          }),
        async (h, sql) =>
          (await h.query(sql)).rows as Record<string, unknown>[],
      ),
    );
  } finally {
    await db.close();
  }
});

Deno.test("outbox stores: PostgreSQL through postgres.js and pg passes the conformance suite", async (t: Deno.TestContext) => {
  await using server = await startPostgres();
  const onnotice = () => {};
  await storeConformance(
    t,
    pgKit<postgres.Sql>("postgres.js", true, () => {
      const app = postgres(server.url, { max: 4, onnotice });
      const other = postgres(server.url, { max: 4, onnotice });
      return Promise.resolve({
        app,
        other,
        close: async () => void await Promise.all([app.end(), other.end()]),
      });
    }, async (h, sql) => [...await h.unsafe(sql)]),
  );
  await storeConformance(
    t,
    // No type argument: pg ships no types (pg is `any` to deno check, and
    // to the Node run's tsc), so `pg.Pool` names no type there.
    pgKit("pg", true, () => {
      const app = new pg.Pool({ connectionString: server.url, max: 4 });
      const other = new pg.Pool({ connectionString: server.url, max: 4 });
      return Promise.resolve({
        app,
        other,
        close: async () => void await Promise.all([app.end(), other.end()]),
      });
    }, async (h, sql) => (await h.query(sql)).rows),
  );
});
