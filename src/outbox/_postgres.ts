/**
 * The part of the PostgreSQL drivers the PostgreSQL stores call, declared
 * structurally so that `src/` imports no driver: `postgres` (postgres.js),
 * `pg` (node-postgres) and `@electric-sql/pglite`.
 *
 * @module
 */

/** A row as a driver returns it. */
export type PgRow = Record<string, unknown>;

/**
 * A postgres.js handle: `postgres(url)`, the `tx` of `sql.begin`, or a
 * reserved connection.
 */
export interface PostgresJsHandle {
  /** Runs SQL text with `$1`-style parameters. */
  unsafe(
    query: string,
    parameters?: unknown[],
  ): PromiseLike<readonly unknown[]>;
  /** Runs `fn` in a transaction (the root `sql` only). */
  begin?(fn: (tx: PostgresJsHandle) => unknown): PromiseLike<unknown>;
  /** Listens on a channel (the root `sql` only). */
  listen?(
    channel: string,
    onnotify: (payload: string) => void,
  ): PromiseLike<{ unlisten(): PromiseLike<unknown> }>;
}

/**
 * A `query(text, values)` handle: a pg `Pool`, `Client` or `PoolClient`,
 * a `PGlite` database or the `tx` of its `transaction`.
 */
export interface PgQueryHandle {
  /** Runs SQL text with `$1`-style parameters. */
  query(text: string, values?: unknown[]): PromiseLike<{ rows: unknown[] }>;
  /** PGlite: runs `fn` in a transaction. */
  transaction?(fn: (tx: PgQueryHandle) => Promise<unknown>): Promise<unknown>;
  /** pg `Pool`: a client of its own (with `release`); pg `Client`: connects. */
  connect?(): Promise<unknown>;
  /** PGlite: listens on a channel. */
  listen?(
    channel: string,
    callback: (payload: string) => void,
  ): Promise<unknown>;
}

/** A PostgreSQL handle of one of the supported drivers. */
export type PostgresHandle = PostgresJsHandle | PgQueryHandle;

/**
 * The transaction handle of `H`'s driver: what postgres.js's `begin` or
 * PGlite's `transaction` passes to its callback (the last parameter of
 * the method's last overload); `H` otherwise (pg).
 */
export type TransactionOf<H> = H extends
  { begin(...args: infer A): unknown } | {
    transaction(...args: infer A): unknown;
  } ? A extends readonly [...unknown[], (tx: infer T) => unknown] ? T : H
  : H;

/** What the stores need from a handle, whatever its driver. */
export interface Connection {
  /** Runs one statement and returns its rows. */
  query(text: string, values?: unknown[]): Promise<PgRow[]>;
  /** Runs `fn` in a transaction, with a connection to run it on. */
  transaction<T>(
    fn: (tx: Connection, raw: unknown) => T | Promise<T>,
  ): Promise<T>;
  /**
   * Calls `onNotify` for each notification on `channel`.
   *
   * @returns Stops listening; `undefined` when the handle cannot listen.
   */
  listen(
    channel: string,
    onNotify: () => void,
  ): Promise<(() => Promise<void>) | undefined>;
}

interface PoolLike {
  connect(): Promise<PgQueryHandle & { release(): void }>;
  totalCount: number;
}

const isPool = (h: PgQueryHandle): boolean =>
  typeof h.connect === "function" && "totalCount" in h;

const release = (client: unknown) => (client as { release(): void }).release();

/** A client of the pool `h` when it is one, else `h` itself. */
const clientOf = async (h: PgQueryHandle, pool: boolean) =>
  pool ? await (h as unknown as PoolLike).connect() : h;

/** The {@linkcode Connection} over `handle`. */
export function connection(handle: PostgresHandle): Connection {
  if ("unsafe" in handle && typeof handle.unsafe === "function") {
    return postgresJs(handle);
  }
  if ("query" in handle && typeof handle.query === "function") {
    return queryDriver(handle);
  }
  throw new TypeError(
    "Cannot use the PostgreSQL handle: expected a postgres.js `sql` (with unsafe()), a pg Pool or Client, or a PGlite database (with query())",
  );
}

function postgresJs(h: PostgresJsHandle): Connection {
  const conn: Connection = {
    async query(text, values = []) {
      return [...await h.unsafe(text, values)] as PgRow[];
    },
    async transaction(fn) {
      if (typeof h.begin !== "function") {
        throw new TypeError(
          "Cannot open a transaction on this postgres.js handle: pass the root `sql` (a `tx` or reserved connection has no begin())",
        );
      }
      let result: unknown;
      await h.begin(async (tx: PostgresJsHandle) => {
        result = await fn(postgresJs(tx), tx);
      });
      return result as never;
    },
    async listen(channel, onNotify) {
      if (typeof h.listen !== "function") return undefined;
      const { unlisten } = await h.listen(channel, () => onNotify());
      return async () => {
        await unlisten();
      };
    },
  };
  return conn;
}

function queryDriver(h: PgQueryHandle): Connection {
  const query = async (on: PgQueryHandle, text: string, values: unknown[]) =>
    (await on.query(text, values)).rows as PgRow[];
  let queue: Promise<unknown> = Promise.resolve();
  return {
    query: (text, values = []) => query(h, text, values),
    async transaction(fn) {
      if (typeof h.transaction === "function") { // PGlite
        let result: unknown;
        await h.transaction(async (tx: PgQueryHandle) => {
          result = await fn(queryDriver(tx), tx);
        });
        return result as never;
      }
      const pool = isPool(h);
      const run = async () => {
        const client: PgQueryHandle = await clientOf(h, pool);
        try {
          await query(client, "BEGIN", []);
          try {
            const result = await fn(queryDriver(client), client);
            await query(client, "COMMIT", []);
            return result;
          } catch (error) {
            await query(client, "ROLLBACK", []).catch(() => {});
            throw error;
          }
        } finally {
          if (pool) release(client);
        }
      };
      if (pool) return run();
      // One transaction at a time on one client.
      const next = queue.then(run);
      queue = next.catch(() => {});
      return next;
    },
    async listen(channel, onNotify) {
      if (typeof h.listen === "function") { // PGlite
        const stop = await h.listen(channel, () => onNotify());
        return async () => {
          if (typeof stop === "function") await stop();
        };
      }
      const client: PgQueryHandle = await clientOf(h, isPool(h));
      // pg's Client emits `notification` (not declared above: pg's own
      // overloads of `on` would not match one signature).
      const emitter = client as {
        on?(event: string, listener: (m: { channel: string }) => void): void;
        off?(event: string, listener: unknown): void;
      };
      if (typeof emitter.on !== "function") return undefined;
      const listener = (m: { channel: string }) => {
        if (m.channel === channel) onNotify();
      };
      emitter.on("notification", listener);
      await query(client, `LISTEN "${channel}"`, []);
      return async () => {
        await query(client, `UNLISTEN "${channel}"`, []).catch(() => {});
        emitter.off?.("notification", listener);
        if (client !== h) release(client);
      };
    },
  };
}

/** Runs `ddl` once per database at a time (concurrent creators wait). */
export async function createOnce(
  conn: Connection,
  key: string,
  ddl: readonly string[],
): Promise<void> {
  await conn.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
      key,
    ]);
    // No "already exists, skipping" notices in the application's log.
    await tx.query("SET LOCAL client_min_messages = warning");
    for (const statement of ddl) await tx.query(statement);
  });
}
