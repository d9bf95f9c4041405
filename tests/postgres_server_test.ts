// Tests of the PostgreSQL test helper itself (tests/postgres_server.ts): a
// real, private server on loopback, reached with the `postgres` driver, doing
// what the outbox and inbox of issue 18 will build on: transactions that
// commit or roll back, row claims with FOR UPDATE SKIP LOCKED, LISTEN/NOTIFY.
import assert from "node:assert/strict";
import postgres from "postgres";
import { postgresBinDir, startPostgres } from "./postgres_server.ts";
import { withTimeout } from "./_timeouts.ts";

/** A latch: `open()` resolves `wait`. */
function latch(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((ok) => open = ok);
  return { open, wait };
}

Deno.test("startPostgres: transactions, SKIP LOCKED claims and LISTEN/NOTIFY on a private server, gone after stop()", async () => {
  let t = performance.now();
  const pg = await startPostgres();
  const startMs = Math.round(performance.now() - t);
  assert.match(pg.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test$/);
  const sql = postgres(pg.url, { max: 4, onnotice: () => {} });
  const listener = postgres(pg.url, { max: 1, onnotice: () => {} });
  try {
    // Transactions: a commit is kept, a throw inside begin() rolls back.
    await sql`CREATE TABLE outbox (id serial PRIMARY KEY, body text NOT NULL)`;
    await sql.begin(async (tx) => {
      await tx`INSERT INTO outbox (body) VALUES ('a'), ('b'), ('c')`;
    });
    const rolledBack = await sql.begin(async (tx) => {
      await tx`INSERT INTO outbox (body) VALUES ('never')`;
      throw new Error("abort on purpose");
    }).catch((e: Error) => e.message);
    assert.equal(rolledBack, "abort on purpose");
    await sql`INSERT INTO outbox (body) VALUES ('d')`;
    const bodies = await sql<{ body: string }[]>`
      SELECT body FROM outbox ORDER BY id`;
    assert.deepEqual(bodies.map((r) => r.body), ["a", "b", "c", "d"]);

    // Two concurrent transactions claim 2 rows each with SKIP LOCKED: A
    // holds its locks until B has claimed, so B must skip A's rows.
    const aClaimed = latch();
    const bClaimed = latch();
    const claim = (tx: postgres.TransactionSql) =>
      tx<{ id: number }[]>`
        SELECT id FROM outbox ORDER BY id LIMIT 2 FOR UPDATE SKIP LOCKED`
        .then((rows) => rows.map((r) => r.id));
    const [a, b] = await withTimeout(
      Promise.all([
        sql.begin(async (tx) => {
          const ids = await claim(tx);
          aClaimed.open();
          await bClaimed.wait; // keep the row locks while B claims
          return ids;
        }),
        sql.begin(async (tx) => {
          await aClaimed.wait;
          const ids = await claim(tx);
          bClaimed.open();
          return ids;
        }),
      ]),
      10_000,
      "two SKIP LOCKED claims",
    );
    assert.equal(a.length, 2);
    assert.equal(b.length, 2);
    assert.deepEqual([...a, ...b].sort(), [1, 2, 3, 5].sort(), "disjoint");

    // LISTEN on one connection, NOTIFY from another (inside a transaction:
    // delivered on commit, as a relay's wake-up would be).
    const got = latch();
    const payloads: string[] = [];
    const { unlisten } = await listener.listen("outbox_new", (payload) => {
      payloads.push(payload);
      got.open();
    });
    await sql.begin(async (tx) => {
      await tx`INSERT INTO outbox (body) VALUES ('e')`;
      await tx`SELECT pg_notify('outbox_new', 'e')`;
    });
    await withTimeout(got.wait, 5_000, "NOTIFY delivered to the listener");
    assert.deepEqual(payloads, ["e"]);
    await unlisten();
  } finally {
    await listener.end({ timeout: 5 });
    await sql.end({ timeout: 5 });
    t = performance.now();
    await pg.stop();
  }
  const stopMs = Math.round(performance.now() - t);
  console.log(`postgres: started in ${startMs} ms, stopped in ${stopMs} ms`);

  await assert.rejects(Deno.stat(pg.dataDir), Deno.errors.NotFound);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port: pg.port }),
    Deno.errors.ConnectionRefused,
    "the port is closed",
  );
  await pg.stop(); // idempotent
});

Deno.test("startPostgres: `await using` stops the server and removes its dir", async () => {
  let dataDir = "";
  let port = 0;
  {
    await using pg = await startPostgres({ database: "other" });
    ({ dataDir, port } = pg);
    assert.ok(pg.url.endsWith("/other"));
    assert.ok((await Deno.stat(dataDir)).isDirectory);
  }
  await assert.rejects(Deno.stat(dataDir), Deno.errors.NotFound);
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("postgresBinDir: finds initdb and pg_ctl; without them it says how to install PostgreSQL", () => {
  const bin = postgresBinDir();
  for (const name of ["initdb", "pg_ctl", "createdb"]) {
    assert.ok(Deno.statSync(`${bin}/${name}`).isFile, `${bin}/${name}`);
  }
  const saved = Deno.env.get("MCB_PG_BIN");
  Deno.env.set("MCB_PG_BIN", "/nonexistent");
  try {
    assert.throws(() => postgresBinDir(), /apt-get install -y postgresql/);
  } finally {
    if (saved === undefined) Deno.env.delete("MCB_PG_BIN");
    else Deno.env.set("MCB_PG_BIN", saved);
  }
});
