/**
 * The write side of the outbox: events added inside the application's own
 * transaction, validated and wrapped like a publish.
 *
 * @module
 */

import type { EventBus, EventOf, PublishOptions } from "../core/bus.ts";
import type { EventCatalog, EventInput, EventType } from "../core/catalog.ts";
import { eventBuilder, namesOlderVersion } from "../core/event_builder.ts";
import type { OutboxStore } from "./types.ts";

/** What `add` returns: the event, or a promise of it for an async store. */
export type Added<W, E> = W extends Promise<void> ? Promise<E> : E;

/**
 * Adds events to an outbox (see {@linkcode createOutbox}).
 *
 * @typeParam C The bus's catalog.
 * @typeParam H The database handle of the store.
 * @typeParam W What the store's `insert` returns.
 */
export interface Outbox<
  C extends EventCatalog,
  H,
  W extends void | Promise<void>,
> {
  /**
   * Validates `data` against the bus's catalog, wraps it in a CloudEvent
   * (id and time fixed now; the relay publishes it with them) and writes
   * it through `handle`, inside the caller's open transaction: it is
   * published once that transaction commits, never if it rolls back.
   * Relays started with this outbox wake at once (after the current task,
   * when a synchronous transaction has committed).
   *
   * @param handle The application's database handle, in a transaction.
   * @param type An event type of the catalog.
   * @param data The payload; must satisfy the type's schema.
   * @param options Envelope attributes; `subject` orders events (one
   *   order per subject).
   * @returns The stored event (a promise of it for an async store).
   * @throws {ValidationError} listing each failing path.
   * @throws {EventTypeError} for a type not in the catalog.
   */
  add<T extends EventType<C>>(
    handle: H,
    type: T,
    data: EventInput<C, T>,
    options?: PublishOptions,
  ): Added<W, EventOf<C, T>>;
  /**
   * Wakes the relays started with this outbox, e.g. after committing a
   * transaction that awaited between `add` and its commit.
   */
  notify(): void;
  /**
   * Calls `listener` after each `add` (and `notify`), once the current
   * task has ended. Used by the relay.
   *
   * @returns A function that removes the listener.
   */
  onAdded(listener: () => void): () => void;
}

/**
 * Creates the outbox of `bus`: events added through it are validated
 * against `bus.catalog`, carry `bus.source`, and go to `store`.
 *
 * @param bus The bus that the relay will publish through.
 * @param store Where events wait for the relay.
 * @returns The outbox.
 *
 * @example An event added in a transaction
 * ```ts
 * import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
 * import { createOutbox, sqliteOutbox } from "@mcb/event-bus/outbox";
 * import { DatabaseSync } from "node:sqlite";
 * import { z } from "zod";
 *
 * const bus = createLocalEventBus(
 *   defineEvents({ "indexing.completed": z.object({ path: z.string() }) }),
 * );
 * const db = new DatabaseSync(":memory:");
 * const outbox = createOutbox(bus, sqliteOutbox(db));
 * db.exec("BEGIN");
 * const event = outbox.add(db, "indexing.completed", { path: "/a" }, {
 *   subject: "/a",
 * });
 * db.exec("COMMIT");
 * console.log(event.subject); // "/a"
 * await bus.close();
 * ```
 */
export function createOutbox<
  C extends EventCatalog,
  H,
  W extends void | Promise<void>,
>(bus: EventBus<C>, store: OutboxStore<H, W>): Outbox<C, H, W> {
  const builder = eventBuilder(bus.catalog, bus.source, true);
  const listeners = new Set<() => void>();
  let scheduled = false;
  const notify = () => {
    if (scheduled || listeners.size === 0) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      for (const listener of [...listeners]) listener();
    }, 0);
  };
  return {
    add(handle, type, data, options) {
      const lane = builder.lane(type);
      const older = namesOlderVersion(lane, options);
      const event = builder.build(lane, data, options, older);
      const written = store.insert(handle, event);
      if (written instanceof Promise) {
        return written.then(() => {
          notify();
          return event;
        }) as never;
      }
      notify();
      return event as never;
    },
    notify,
    onAdded(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
