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

/** Checks a table name option; it is written into SQL unquoted. */
export function tableName(store: string, name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(
      `Cannot create the ${store}: table must be a plain SQL identifier, received ${
        JSON.stringify(name)
      }`,
    );
  }
  return name;
}

/** Runs `fn` inside `BEGIN IMMEDIATE` ... `COMMIT` (rolled back on a throw). */
export function immediate<T>(db: SqliteDatabase, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
