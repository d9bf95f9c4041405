/**
 * The part of `node:sqlite`'s `DatabaseSync` the SQLite stores call,
 * declared structurally so that `src/` imports no runtime module.
 *
 * @module
 */

/** A value SQLite binds or returns. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** The subset of `StatementSync` the stores call. */
export interface SqliteStatement {
  /** Runs the statement; `changes` counts the rows it changed. */
  run(...params: SqlValue[]): { changes: number | bigint };
  /** Runs the statement and returns every row. */
  all(...params: SqlValue[]): unknown[];
}

/**
 * The subset of `DatabaseSync` (`node:sqlite`, in Deno, Node 22+ and Bun)
 * the SQLite stores call.
 */
export interface SqliteDatabase {
  /** Runs SQL without results. */
  exec(sql: string): void;
  /** Compiles one statement. */
  prepare(sql: string): SqliteStatement;
  /** Whether a transaction is open (Node 22.16+, Deno 2.2+). */
  readonly isTransaction?: boolean;
}

/**
 * Whether `error` is SQLite's SQLITE_BUSY ("database is locked"): Node
 * sets `errcode` 5; Deno's `node:sqlite` sets only the message.
 */
export function isBusy(error: unknown): boolean {
  const e = error as { errcode?: number; message?: string } | null;
  return e?.errcode === 5 || /database is locked/.test(e?.message ?? "");
}

/** `db.prepare(sql)`, prepared once per connection and `sql`. */
export function prepared(db: SqliteDatabase, sql: string): SqliteStatement {
  let byText = statements.get(db);
  if (byText === undefined) statements.set(db, byText = new Map());
  let statement = byText.get(sql);
  if (statement === undefined) byText.set(sql, statement = db.prepare(sql));
  return statement;
}
const statements = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();

/**
 * One `BEGIN IMMEDIATE` attempt on `db` that never blocks the thread:
 * SQLite's own busy wait sleeps synchronously, which would stop the very
 * task (another connection of this process, in a transaction that awaits)
 * it waits for. The busy timeout is 0 for the attempt. A transaction of
 * the application's, open on this connection, counts as busy too.
 *
 * @returns `false` when busy, unless `last` (then it throws).
 */
function tryBegin(db: SqliteDatabase, last: boolean): boolean {
  if (db.isTransaction && !last) return false;
  const [row] = prepared(db, "PRAGMA busy_timeout").all() as {
    timeout?: number;
  }[];
  const saved = Number(row?.timeout ?? 0);
  if (saved !== 0) db.exec("PRAGMA busy_timeout = 0");
  try {
    db.exec("BEGIN IMMEDIATE");
    return true;
  } catch (error) {
    if (!isBusy(error) || last) throw error;
    return false;
  } finally {
    if (saved !== 0) db.exec(`PRAGMA busy_timeout = ${saved}`);
  }
}

/**
 * `BEGIN IMMEDIATE` on `db`, retried on timers for up to `maxWait` ms while
 * the database is busy. When it is free the transaction begins in the
 * caller's task, before the first await.
 */
export async function beginImmediate(
  db: SqliteDatabase,
  maxWait: number,
): Promise<void> {
  for (let waited = 0, pause = 1;; pause = Math.min(pause * 2, 50)) {
    if (tryBegin(db, waited >= maxWait)) return;
    await new Promise((ok) => setTimeout(ok, pause));
    waited += pause;
  }
}

/**
 * Runs the synchronous `fn` inside `BEGIN IMMEDIATE` ... `COMMIT` (rolled
 * back on a throw), all in one task so that no other task ever meets the
 * lock; only waiting for a busy database is asynchronous.
 */
export async function immediate<T>(
  db: SqliteDatabase,
  maxWait: number,
  fn: () => T,
): Promise<T> {
  for (let waited = 0, pause = 1;; pause = Math.min(pause * 2, 50)) {
    if (tryBegin(db, waited >= maxWait)) {
      try {
        const result = fn();
        db.exec("COMMIT");
        return result;
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    }
    await new Promise((ok) => setTimeout(ok, pause));
    waited += pause;
  }
}

/**
 * Creates what `ddl` creates unless every object in `names` exists. Two
 * processes starting on a fresh file both create: the loser waits for the
 * winner's transaction up to `maxWait` ms (SQLite's own busy wait, for
 * this one statement: a constructor cannot wait on timers) instead of
 * failing at once with "database is locked".
 */
export function ensureSchema(
  db: SqliteDatabase,
  names: readonly string[],
  ddl: readonly string[],
  maxWait: number,
): void {
  const [old] = db.prepare("PRAGMA busy_timeout").all() as {
    timeout?: number;
  }[];
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(maxWait)}`);
  try {
    const [row] = db.prepare(
      `SELECT count(*) AS n FROM sqlite_master WHERE name IN (${
        names.map(() => "?").join(", ")
      })`,
    ).all(...names) as { n: number }[];
    if (Number(row.n) === names.length) return;
    db.exec(["BEGIN IMMEDIATE", ...ddl, "COMMIT"].join(";\n"));
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  } finally {
    db.exec(`PRAGMA busy_timeout = ${Number(old?.timeout ?? 0)}`);
  }
}
