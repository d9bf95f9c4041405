// Compile-time checks of the outbox's driver typing (`deno check` fails if
// one breaks; the test body only makes the file part of the suite): a
// driver's transaction handle is what `add` takes and what an idempotent
// handler receives, with no type arguments.
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type postgres from "postgres";
import type { TransactionOf } from "../src/outbox/mod.ts";
import {
  idempotent,
  type PostgresHandle,
  postgresInbox,
  sqliteInbox,
} from "../src/outbox/mod.ts";
import type { DatabaseSync } from "node:sqlite";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;
const expect = <T extends true>(_: T) => {};

expect<Equal<TransactionOf<postgres.Sql>, postgres.TransactionSql>>(true);
expect<Equal<TransactionOf<PGlite>, Transaction>>(true);
expect<Equal<TransactionOf<DatabaseSync>, DatabaseSync>>(true);

// Every driver's handles are accepted where a PostgreSQL handle goes.
export const handles: PostgresHandle[] = [
  null as unknown as postgres.Sql,
  null as unknown as postgres.TransactionSql,
  null as unknown as PGlite,
  null as unknown as Transaction,
];

/** Never called: its body is what `deno check` checks. */
export async function handlerTypes(sql: postgres.Sql, lite: PGlite) {
  idempotent(await postgresInbox(sql), sql, "c", async (_e, tx) => {
    expect<Equal<typeof tx, postgres.TransactionSql>>(true);
    await tx`SELECT 1`;
  });
  idempotent(await postgresInbox(lite), lite, "c", async (_e, tx) => {
    expect<Equal<typeof tx, Transaction>>(true);
    await tx.query("SELECT 1");
  });
  idempotent(
    sqliteInbox(null as unknown as DatabaseSync),
    null as unknown as DatabaseSync,
    "c",
    (_e, tx) => {
      expect<Equal<typeof tx, DatabaseSync>>(true);
    },
  );
}

Deno.test("outbox driver types: checked by deno check (see the file)", () => {
  expect<Equal<TransactionOf<PGlite>, Transaction>>(true);
});
