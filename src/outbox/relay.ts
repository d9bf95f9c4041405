/**
 * The relay: publishes the outbox's committed events through the bus, in
 * commit order per subject, with their ids, then marks them and, after a
 * retention, deletes them.
 *
 * @module
 */

import type { EventBus } from "../core/bus.ts";
import type { CloudEvent } from "../core/envelope.ts";
import type { Outbox } from "./outbox.ts";
import type { ClaimedEvent, OutboxStore } from "./types.ts";

/** Options of {@linkcode startRelay}. */
export interface RelayOptions {
  /**
   * An outbox whose `add` wakes the relay at once (events added in this
   * process). Commits from elsewhere wake it through the store's `listen`
   * (PostgreSQL `LISTEN/NOTIFY`) and are found by polling in any case.
   */
  outbox?: Pick<Outbox<never, never, never>, "onAdded">;
  /**
   * Pause between polls when nothing is waiting, ms.
   *
   * @default {1000}
   */
  interval?: number;
  /**
   * Most events claimed (and published in order) at once.
   *
   * @default {100}
   */
  batch?: number;
  /**
   * How long a claim is the relay's alone, ms. Another relay publishes the
   * events of a relay that died once it has passed; make it longer than
   * publishing a batch takes.
   *
   * @default {30_000}
   */
  lease?: number;
  /**
   * Published events are deleted this long after they were published, ms.
   *
   * @default {86_400_000} (a day)
   */
  retention?: number;
  /**
   * Receives a failed claim, publish, mark or delete; the relay retries
   * after `interval`.
   *
   * @default {reports with console.error}
   */
  onError?: (error: unknown) => void;
}

/** A running relay (see {@linkcode startRelay}). Works with `await using`. */
export interface Relay extends AsyncDisposable {
  /** This relay's lease owner id. */
  readonly id: string;
  /** Whether `stop()` was called. */
  readonly stopped: boolean;
  /** Looks for events now instead of at the next poll. */
  wake(): void;
  /**
   * Stops polling; the batch in flight is published and marked first.
   * Idempotent.
   */
  stop(): Promise<void>;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot start the relay: ${name} must be a positive number, received ${value}`,
    );
  }
  return value;
}

/**
 * Starts a relay that publishes the events of `store` through `bus`. Each
 * keeps its id and time, so a nats bus publishes it with its id as
 * `Nats-Msg-Id` and the stream absorbs a republish within its duplicate
 * window. Several relays may share one store: leases keep each event, and
 * each subject, to one relay at a time.
 *
 * @param bus The bus to publish through.
 * @param store The outbox's store (its own connection is best).
 * @param options Polling, batch, lease, retention, wake-up.
 * @returns The running relay.
 * @throws {RangeError} for a non-positive interval, batch, lease or
 *   retention.
 *
 * @example Publish what a transaction committed
 * ```ts
 * import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
 * import { createOutbox, sqliteOutbox, startRelay } from "@mcb/event-bus/outbox";
 * import { DatabaseSync } from "node:sqlite";
 * import { z } from "zod";
 *
 * await using bus = createLocalEventBus(
 *   defineEvents({ "indexing.completed": z.object({ path: z.string() }) }),
 * );
 * const db = new DatabaseSync(":memory:");
 * const store = sqliteOutbox(db);
 * const outbox = createOutbox(bus, store);
 * await using _relay = startRelay(bus, store, { outbox });
 * const next = bus.once("indexing.completed", { timeout: 1000 });
 * db.exec("BEGIN");
 * outbox.add(db, "indexing.completed", { path: "/a" });
 * db.exec("COMMIT");
 * console.log((await next).data.path); // "/a"
 * ```
 */
export function startRelay<H, W extends void | Promise<void>>(
  bus: EventBus,
  store: OutboxStore<H, W>,
  options: RelayOptions = {},
): Relay {
  const interval = positive("interval", options.interval ?? 1000);
  const batch = positive("batch", options.batch ?? 100);
  const lease = positive("lease", options.lease ?? 30_000);
  const retention = positive("retention", options.retention ?? 86_400_000);
  const onError = options.onError ??
    ((error: unknown) => console.error("outbox relay:", error));
  const id = crypto.randomUUID();
  let stopped = false;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const unlisten = options.outbox?.onAdded(wake);
  const listening = store.listen?.(wake).catch((error) => {
    onError(error); // polling still finds every commit
    return undefined;
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  const publish = async (claimed: ClaimedEvent[]) => {
    const published: number[] = [];
    try {
      for (const { seq, event } of claimed) {
        await bus.publish(event.type, event.data as never, envelope(event));
        published.push(seq);
      }
    } finally {
      if (published.length > 0) {
        await store.markPublished(published, Date.now());
      }
    }
  };

  const loop = async () => {
    let lastPurge = 0;
    while (!stopped) {
      woken = false;
      try {
        const claimed = await store.claim({
          owner: id,
          limit: batch,
          lease,
          now: Date.now(),
        });
        if (claimed.length > 0) {
          await publish(claimed);
          continue;
        }
        const now = Date.now();
        if (now - lastPurge >= Math.min(retention, 60_000)) {
          lastPurge = now;
          await store.deletePublished(now - retention);
        }
      } catch (error) {
        if (stopped && bus.closed) return;
        onError(error);
        woken = false;
      }
      await sleep(interval);
    }
  };
  const running = loop();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      stopped = true;
      unlisten?.();
      wakeUp?.();
      await running;
      await (await listening)?.().catch(onError);
    })();
    return stopping;
  };
  return {
    id,
    get stopped() {
      return stopped;
    },
    wake,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The publish options that republish `event` as it was stored. */
function envelope(event: CloudEvent) {
  const { id, time, source, subject, dataschema, traceparent, tracestate } =
    event;
  return { id, time, source, subject, dataschema, traceparent, tracestate };
}
