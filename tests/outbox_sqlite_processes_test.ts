// SQLite stores created by several processes at once on a fresh file
// (each a `deno eval` child): none fails with "database is locked".
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";

function rows(db: DatabaseSync, sql: string): Record<string, unknown>[] {
  return db.prepare(sql).all().map((row) => ({ ...row }));
}

Deno.test("sqliteOutbox() and sqliteInbox() in processes starting at once on a fresh file all create the tables", async () => {
  const root = new URL("../src/outbox/mod.ts", import.meta.url).href;
  const code = `
    import { DatabaseSync } from "node:sqlite";
    import { sqliteInbox, sqliteOutbox } from "${root}";
    const db = new DatabaseSync(Deno.args[0]);
    db.exec("PRAGMA busy_timeout = 0"); // as Node opens it
    sqliteOutbox(db);
    sqliteInbox(db);
  `;
  for (let round = 0; round < 5; round++) {
    const dir = await Deno.makeTempDir();
    const file = `${dir}/fresh.sqlite`;
    try {
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          new Deno.Command(Deno.execPath(), {
            args: ["eval", code, file],
            stderr: "piped",
          }).output()),
      );
      const failed = results.filter((r) => !r.success).map((r) =>
        new TextDecoder().decode(r.stderr)
      );
      assert.deepEqual(failed, [], `round ${round}`);
      const db = new DatabaseSync(file);
      assert.deepEqual(
        rows(
          db,
          "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        )
          .map((r) => r.name),
        ["mcb_inbox", "mcb_outbox", "sqlite_sequence"],
      );
      db.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});
