/**
 * The store contracts of the outbox and the inbox: what a database must do
 * for them, independent of the database and its driver.
 *
 * @module
 */

import type { CloudEvent } from "../core/envelope.ts";

/** An event the relay claimed, with its position in commit order. */
export interface ClaimedEvent {
  /** The row's position in commit order (increasing). */
  readonly seq: number;
  /** The stored event, as `add` built it (id and time included). */
  readonly event: CloudEvent;
}

/** What a relay asks {@linkcode OutboxStore.claim} for. */
export interface ClaimRequest {
  /** The relay's id; its leases carry it. */
  readonly owner: string;
  /** Most events to claim. */
  readonly limit: number;
  /** The lease ends at `now + lease` (ms since the epoch). */
  readonly lease: number;
  /** The relay's clock, ms since the epoch. */
  readonly now: number;
}

/**
 * Where the outbox keeps events between the application's commit and the
 * relay's publish.
 *
 * @typeParam H The application's database handle (connection or
 *   transaction) that `insert` writes through.
 * @typeParam W What `insert` returns: `void` for a synchronous driver
 *   (`node:sqlite`), `Promise<void>` for an asynchronous one.
 */
export interface OutboxStore<H, W extends void | Promise<void>> {
  /** Writes `event` through `handle`, inside the caller's transaction. */
  insert(handle: H, event: CloudEvent): W;
  /**
   * Leases up to `limit` committed, unpublished events to `owner`, in
   * commit order, skipping every CloudEvents `subject` (events without one
   * share the subject `""`) of which an unpublished event is leased to
   * another owner until after `now`. The events of one subject it returns
   * are therefore the oldest unpublished ones of that subject. Its own
   * leases, and expired ones, are claimed again.
   */
  claim(request: ClaimRequest): ClaimedEvent[] | Promise<ClaimedEvent[]>;
  /** Marks the events at `seqs` published at `now`. */
  markPublished(seqs: readonly number[], now: number): void | Promise<void>;
  /**
   * Deletes the events published before `before` (ms since the epoch).
   *
   * @returns How many it deleted.
   */
  deletePublished(before: number): number | Promise<number>;
  /**
   * Calls `wake` whenever another connection or process commits an
   * insert (PostgreSQL: `LISTEN/NOTIFY`). Stores without it are polled.
   *
   * @returns Stops listening; `undefined` when the database cannot notify.
   */
  listen?(wake: () => void): Promise<(() => Promise<void>) | undefined>;
}

/**
 * Where the inbox records which events each consumer has handled.
 *
 * @typeParam H The application's database handle transactions are opened
 *   from.
 * @typeParam T The handle of an open transaction (the driver's
 *   transaction object; `H` itself for SQLite).
 */
export interface InboxStore<H, T = H> {
  /**
   * Runs `fn` in a transaction opened from `handle`: committed when it
   * resolves, rolled back when it throws (the error is rethrown). `fn`
   * receives the handle to write through inside it (`handle` itself for
   * SQLite; the driver's transaction for PostgreSQL).
   */
  transaction<R>(handle: H, fn: (tx: T) => R | Promise<R>): Promise<R>;
  /**
   * Records that `consumer` handled event `id` at `now`, through `tx`,
   * the running transaction's handle.
   *
   * @returns `false` when it was recorded already.
   */
  record(
    tx: T,
    consumer: string,
    id: string,
    now: number,
  ): boolean | Promise<boolean>;
  /**
   * Deletes the records made before `before` (ms since the epoch).
   *
   * @returns How many it deleted.
   */
  expire(before: number): number | Promise<number>;
}
