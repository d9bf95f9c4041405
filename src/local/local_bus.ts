/**
 * The local transport: delivery inside one process over the web-standard
 * `EventTarget`, with an optional bounded ring of recent events for resume.
 *
 * @module
 */

import {
  BaseEventBus,
  type BusOptions,
  type BusSubscription,
  type Lane,
} from "../core/base_bus.ts";
import type { EventCatalog } from "../core/catalog.ts";
import type { BusHealth, EventBus, ResumeGap } from "../core/bus.ts";
import type { CloudEvent } from "../core/envelope.ts";
import { upcastEvent } from "../core/versions.ts";
import { randomId } from "../core/_clock.ts";
import { addToRoute, newRoute, removeFromRoute, type Route } from "./routes.ts";

/** Options of {@linkcode createLocalEventBus}. */
export interface LocalBusOptions extends BusOptions {
  /**
   * Keep the last `history` published events (whatever their subscribers)
   * in a ring, so that `position(event)` returns a resume position and
   * `subscribe(..., { from: { after: position } })` (or `from: "all"`, the
   * whole ring) replays what a subscriber missed, then continues live. A
   * position older than the ring is reported to `onGap` as `"expired"`.
   *
   * `0` keeps nothing: `position()` returns `undefined`, `from: "all"` is
   * refused, and publish does no extra work. With a ring, each publish
   * also stores the event in one slot of it (a few nanoseconds);
   * `position(event)` looks for the event from the newest one, and returns
   * `undefined` once it has left the ring.
   *
   * @default {0}
   */
  history?: number;
}

/**
 * An {@linkcode EventBus} for one process. Each publish is one
 * `dispatchEvent` on a private `EventTarget`, whatever the number of
 * subscribers: one listener per event type delivers to that type's
 * subscriptions, each isolated from the others' errors (one native
 * listener per subscription cost ~17 ns more per subscriber in Deno).
 * Patterns are resolved to catalog types when subscribing, so a
 * publish never scans the others. Publishes made from inside a handler are
 * queued and dispatched after the current one, so every subscriber sees
 * events in publish order.
 */
class LocalEventBus<C extends EventCatalog = EventCatalog>
  extends BaseEventBus<C, Route> {
  readonly transport = "local";
  #target = new EventTarget();
  #dispatching = false;
  /** Publishes made by handlers during a dispatch. */
  #pending: CloudEvent[] = [];
  /** The last published events, by position modulo its length; or none. */
  #ring: (CloudEvent | undefined)[] | undefined;
  /** Position of the last published event (counts every publish). */
  #seq = 0;
  /** `l:<random bus id>:`, the prefix of this bus's positions. */
  #prefix: string;

  constructor(catalog: C, options: LocalBusOptions = {}) {
    super(catalog, options);
    const history = options.history ?? 0;
    if (!Number.isSafeInteger(history) || history < 0) {
      throw new RangeError(
        `createLocalEventBus: history must be an integer >= 0, got ${history}`,
      );
    }
    this.#prefix = `l:${randomId(12)}:`;
    if (history > 0) this.#ring = new Array(history);
  }

  protected _send(
    published: CloudEvent,
    lane: Lane<Route>,
    older: boolean,
  ): void {
    // An event published as an older version of a versioned type (see
    // `versioned`) is upcast once, here, so live and replayed deliveries
    // see the current shape.
    const event = older
      ? upcastEvent(this.catalog, published, lane.dataschema!)
      : published;
    const ring = this.#ring;
    if (ring !== undefined) ring[++this.#seq % ring.length] = event;
    const route = lane.route;
    if (route === undefined) return;
    if (this.#dispatching) {
      this.#pending.push(event);
      return;
    }
    this.#dispatching = true;
    try {
      this.#fire(route, event);
      if (this.#pending.length > 0) this.#drain();
    } finally {
      this.#dispatching = false;
    }
  }

  /** Dispatches the publishes queued by handlers, in order. */
  #drain(): void {
    const pending = this.#pending;
    for (let i = 0; i < pending.length; i++) {
      const next = pending[i];
      // The route as it is now: its subscribers may have changed.
      const route = this.lane(next.type).route;
      if (route !== undefined) this.#fire(route, next);
    }
    pending.length = 0;
  }

  /**
   * Found by looking for `event` in the ring from the newest one (so it
   * costs nothing at publish, and little for recent events): `undefined`
   * without history, and once the event has left the ring (resuming after
   * it would be a gap anyway).
   */
  override position(event: CloudEvent): string | undefined {
    const ring = this.#ring;
    if (ring === undefined) return undefined;
    const oldest = Math.max(1, this.#seq - ring.length + 1);
    for (let seq = this.#seq; seq >= oldest; seq--) {
      if (ring[seq % ring.length] === event) return this.#prefix + seq;
    }
    return undefined;
  }

  /** The counter in one of this bus's positions, or undefined. */
  #parsePosition(position: string): number | undefined {
    if (!position.startsWith(this.#prefix)) return undefined;
    const digits = position.slice(this.#prefix.length);
    if (!/^\d{1,15}$/.test(digits)) return undefined;
    const seq = Number(digits);
    return seq <= this.#seq ? seq : undefined;
  }

  /** Dispatches `event`; the target calls its type's route. */
  #fire(route: Route, event: CloudEvent): void {
    const dom = route.event;
    dom.cloudEvent = event;
    this.#target.dispatchEvent(dom);
    dom.cloudEvent = undefined;
  }

  protected _attach(sub: BusSubscription): void {
    const from = sub.from;
    if (from === "new") {
      this.#attachLive(sub);
      sub.caught();
      return;
    }
    const after = from === "all"
      ? undefined
      : typeof from === "object" && "after" in from
      ? from.after
      : null;
    if (after === null || (after === undefined && this.#ring === undefined)) {
      throw new TypeError(
        `subscribe("${sub.pattern}"): from ${
          JSON.stringify(sub.from)
        } needs a transport that keeps history: the local transport accepts "new", and "all" or { after } only when created with the history option (nats accepts all)`,
      );
    }
    if (this.#ring === undefined) {
      // No history: no position of this bus exists. Live at once (nothing
      // can be delivered before subscribe() returns), gap reported first.
      this.#attachLive(sub);
      sub.caught();
      this.reportGap(sub, {
        after: after!,
        reason: "unknown",
        message:
          `"${after}" cannot be resumed from: this local bus keeps no history (create it with the history option); starting with new events`,
      });
      return;
    }
    let start = 0;
    let gap: ResumeGap | undefined;
    if (after !== undefined) {
      const seq = this.#parsePosition(after);
      if (seq === undefined) {
        start = this.#seq;
        gap = {
          after,
          reason: "unknown",
          message:
            `"${after}" is not a position of this local bus (another bus or process, or malformed); starting with new events`,
        };
      } else start = seq;
    }
    // Replay in a microtask, so the handler never runs inside subscribe();
    // every publish until then lands in the ring and is replayed too.
    sub.started = new Promise<void>((resolve) =>
      queueMicrotask(() => {
        try {
          this.#resume(sub, start, after, gap);
        } finally {
          resolve();
        }
      })
    );
  }

  /**
   * Delivers the ring's events after position `start` to `sub`, then makes
   * it live. Publishes made by its handler meanwhile are queued and
   * dispatched after the replay, so nothing is skipped or repeated.
   */
  #resume(
    sub: BusSubscription,
    start: number,
    after: string | undefined,
    gap: ResumeGap | undefined,
  ): void {
    if (!sub.active || this.closed) return;
    const ring = this.#ring;
    const end = this.#seq;
    const replay: CloudEvent[] = [];
    if (ring !== undefined) {
      const oldest = Math.max(1, end - ring.length + 1);
      if (after !== undefined && gap === undefined && start + 1 < oldest) {
        gap = {
          after,
          reason: "expired",
          message: `the ${
            oldest - start - 1
          } events after "${after}" are no longer in this local bus's history of ${ring.length}; resuming from the oldest one kept`,
        };
      }
      for (let seq = Math.max(start + 1, oldest); seq <= end; seq++) {
        const event = ring[seq % ring.length]!;
        if (sub.types.includes(event.type)) replay.push(event);
      }
    }
    if (gap !== undefined) this.reportGap(sub, gap);
    if (!sub.active) return;
    this.#dispatching = true;
    try {
      this.#attachLive(sub);
      for (const event of replay) {
        if (!sub.active) break;
        this.deliver(sub, event);
      }
      // Before the handler's own publishes: those are live.
      sub.caught();
      this.#drain();
    } finally {
      this.#dispatching = false;
    }
  }

  #attachLive(sub: BusSubscription): void {
    for (const type of sub.types) {
      const lane = this.lane(type);
      let route = lane.route;
      if (route === undefined) {
        route = lane.route = newRoute(type, this.#deliver);
        this.#target.addEventListener(type, route);
      }
      addToRoute(route, sub);
    }
  }

  #deliver = (sub: BusSubscription, event: CloudEvent) =>
    this.deliver(sub, event);

  protected _detach(sub: BusSubscription): void {
    for (const type of sub.types) {
      const lane = this.lane(type);
      const route = lane.route;
      if (route !== undefined && removeFromRoute(route, sub)) {
        this.#target.removeEventListener(type, route);
        lane.route = undefined;
      }
    }
  }

  protected _hasSubscribers(type: string): boolean {
    return this.catalog.has(type) && !!this.lane(type).route;
  }

  protected _shutdown(): Promise<void> {
    return Promise.resolve();
  }

  health(): BusHealth {
    const health: BusHealth = {
      transport: "local",
      ok: !this.closed,
      status: this.closed ? "closed" : "ready",
      subscriptions: this.subscriptionCount,
      stats: this.stats(),
    };
    if (this.#ring !== undefined) {
      health.details = { history: this.#ring.length, position: this.#seq };
    }
    return health;
  }
}

/**
 * Creates a bus that delivers inside this process. Nothing to install.
 *
 * @param catalog The event catalog (see `defineEvents`).
 * @param options `source`, `onError`, `validate`, `history`.
 * @returns A ready bus.
 *
 * @example Publish and subscribe
 * ```ts
 * import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
 * import { z } from "zod";
 *
 * const bus = createLocalEventBus(defineEvents({
 *   "context.updated": z.object({ path: z.string() }),
 * }));
 * bus.subscribe("context.*", (event) => console.log(event.data.path));
 * await bus.publish("context.updated", { path: "/src" });
 * await bus.close();
 * ```
 */
export function createLocalEventBus<C extends EventCatalog>(
  catalog: C,
  options?: LocalBusOptions,
): EventBus<C> {
  return new LocalEventBus(catalog, options);
}
