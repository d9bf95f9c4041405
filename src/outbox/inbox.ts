/**
 * The idempotent consumer: a handler wrapped so that its writes and the
 * record of the event it handled commit together, and an event recorded
 * already is acknowledged without running it again.
 *
 * @module
 */

import type { CloudEvent } from "../core/envelope.ts";
import type { InboxStore } from "./types.ts";

/** Options of {@linkcode idempotent}. */
export interface IdempotentOptions {
  /**
   * How long a record is kept, ms. It must cover every redelivery and
   * republish of an event: at least the stream's duplicate window.
   *
   * @default {604_800_000} (a week)
   */
  retention?: number;
  /**
   * The stream's duplicate window, ms: `retention` may not be shorter.
   *
   * @default {120_000} (the `nats.duplicateWindow` default)
   */
  duplicateWindow?: number;
  /**
   * How often, at most, handling an event also deletes expired records, ms.
   *
   * @default {60_000}
   */
  expireInterval?: number;
}

/**
 * Wraps `handler` for exactly-once effects: each call runs in a
 * transaction of `store` opened from `handle` that also records
 * (`consumer`, event id); `handler` gets the transaction's handle to write
 * through. When the event was recorded already (a redelivery) the transaction
 * is rolled back and the returned promise resolves (the bus acknowledges)
 * without calling `handler`. When `handler` throws, nothing it wrote nor
 * the record is committed and the error is rethrown (the bus redelivers).
 *
 * @param store The inbox's store.
 * @param handle The database handle transactions are opened from.
 * @param consumer Who handles: a group name, or one per read model.
 * @param handler Does the work through the transaction's handle (its
 *   second argument); must not commit itself.
 * @param options Retention of the records.
 * @returns A handler for `bus.subscribe`.
 * @throws {RangeError} when `retention` is shorter than `duplicateWindow`
 *   or a duration is not positive.
 *
 * @example A counter incremented once per event
 * ```ts
 * import { idempotent, sqliteInbox } from "@mcb/event-bus/outbox";
 * import { DatabaseSync } from "node:sqlite";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE hits (n INTEGER)");
 * db.exec("INSERT INTO hits VALUES (0)");
 * const handle = idempotent(sqliteInbox(db), db, "counter", (_event, db) => {
 *   db.exec("UPDATE hits SET n = n + 1");
 * });
 * const event = {
 *   specversion: "1.0", id: "e1", source: "/x", type: "a.b",
 *   time: new Date().toISOString(), datacontenttype: "application/json", data: {},
 * } as const;
 * await handle(event);
 * await handle(event);
 * console.log(db.prepare("SELECT n FROM hits").all()); // [{ n: 1 }]
 * ```
 */
export function idempotent<H, T, E extends CloudEvent>(
  store: InboxStore<H, T>,
  handle: H,
  consumer: string,
  handler: (event: E, tx: T) => void | Promise<void>,
  options: IdempotentOptions = {},
): (event: E) => Promise<void> {
  const retention = options.retention ?? 604_800_000;
  const window = options.duplicateWindow ?? 120_000;
  const every = options.expireInterval ?? 60_000;
  for (
    const [name, value] of [["retention", retention], [
      "duplicateWindow",
      window,
    ], ["expireInterval", every]] as const
  ) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(
        `Cannot wrap the handler of "${consumer}": ${name} must be a positive number, received ${value}`,
      );
    }
  }
  if (retention < window) {
    throw new RangeError(
      `Cannot wrap the handler of "${consumer}": retention (${retention} ms) must be at least the duplicate window (${window} ms)`,
    );
  }
  let lastExpiry = Date.now();
  return async (event) => {
    await store.transaction(handle, async (tx) => {
      if (!(await store.record(tx, consumer, event.id, Date.now()))) {
        return;
      }
      await handler(event, tx);
    });
    const now = Date.now();
    if (now - lastExpiry >= every) {
      lastExpiry = now;
      await store.expire(now - retention);
    }
  };
}
