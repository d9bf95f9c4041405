/**
 * The local transport: delivery inside one process over the web-standard
 * `EventTarget`.
 *
 * @module
 */

import {
  BaseEventBus,
  type BusOptions,
  type BusSubscription,
} from "../core/base_bus.ts";
import type { EventCatalog } from "../core/catalog.ts";
import type { BusHealth, EventBus } from "../core/bus.ts";
import type { CloudEvent } from "../core/envelope.ts";

/** Options of {@linkcode createLocalEventBus}. */
export type LocalBusOptions = BusOptions;

/** The DOM event dispatched once per publish; reused between dispatches. */
class BusEvent extends Event {
  cloudEvent: CloudEvent | undefined = undefined;
}

/** Members of one group for one type; each event goes to the next one. */
interface GroupRoute {
  name: string;
  members: BusSubscription[];
  next: number;
}

/** Per event type: its subscribers (copy-on-write) and its one listener. */
interface Route {
  subs: BusSubscription[];
  groups: GroupRoute[];
  event: BusEvent;
  listener: (event: Event) => void;
}

/**
 * An {@linkcode EventBus} for one process. Each publish is one
 * `dispatchEvent` on a private `EventTarget`, whatever the number of
 * subscribers. Patterns are resolved to catalog types when subscribing, so a
 * publish looks up its subscribers by type and never scans the others.
 * Publishes made from inside a handler are queued and dispatched after the
 * current one, so every subscriber sees events in publish order.
 */
class LocalEventBus<C extends EventCatalog = EventCatalog>
  extends BaseEventBus<C> {
  readonly transport = "local";
  #target = new EventTarget();
  #routes = new Map<string, Route>();
  #dispatching = false;
  #pending: CloudEvent[] = [];

  protected _send(event: CloudEvent): void {
    const route = this.#routes.get(event.type);
    if (route === undefined) return;
    if (this.#dispatching) {
      this.#pending.push(event);
      return;
    }
    this.#dispatching = true;
    try {
      this.#fire(route, event);
      const pending = this.#pending;
      for (let i = 0; i < pending.length; i++) {
        const next = pending[i];
        const r = this.#routes.get(next.type);
        if (r !== undefined) this.#fire(r, next);
      }
      pending.length = 0;
    } finally {
      this.#dispatching = false;
    }
  }

  #fire(route: Route, event: CloudEvent): void {
    const dom = route.event;
    dom.cloudEvent = event;
    this.#target.dispatchEvent(dom);
    dom.cloudEvent = undefined;
  }

  #deliverAll(route: Route, dom: Event): void {
    const event = (dom as BusEvent).cloudEvent!;
    const subs = route.subs;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i];
      if (sub.active) this.deliver(sub, event);
    }
    const groups = route.groups;
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i];
      const members = group.members;
      for (let tries = 0; tries < members.length; tries++) {
        const sub = members[group.next++ % members.length];
        if (sub.active) {
          this.deliver(sub, event);
          break;
        }
      }
    }
  }

  protected _attach(sub: BusSubscription): void {
    if (sub.from !== "new") {
      throw new TypeError(
        `subscribe("${sub.pattern}"): from ${
          JSON.stringify(sub.from)
        } needs a transport that keeps history (nats); the local transport keeps none`,
      );
    }
    for (const type of sub.types) {
      let route = this.#routes.get(type);
      if (route === undefined) {
        const created: Route = {
          subs: [],
          groups: [],
          event: new BusEvent(type),
          listener: (dom) => this.#deliverAll(created, dom),
        };
        route = created;
        this.#routes.set(type, created);
        this.#target.addEventListener(type, created.listener);
      }
      if (sub.group === undefined) {
        route.subs = [...route.subs, sub];
        continue;
      }
      const group = route.groups.find((g) => g.name === sub.group);
      if (group !== undefined) group.members = [...group.members, sub];
      else {
        route.groups = [
          ...route.groups,
          { name: sub.group, members: [sub], next: 0 },
        ];
      }
    }
  }

  protected _detach(sub: BusSubscription): void {
    for (const type of sub.types) {
      const route = this.#routes.get(type);
      if (route === undefined) continue;
      route.subs = route.subs.filter((s) => s !== sub);
      route.groups = route.groups
        .map((g) => ({ ...g, members: g.members.filter((s) => s !== sub) }))
        .filter((g) => g.members.length > 0);
      if (route.subs.length === 0 && route.groups.length === 0) {
        this.#target.removeEventListener(type, route.listener);
        this.#routes.delete(type);
      }
    }
  }

  protected _hasSubscribers(type: string): boolean {
    return this.#routes.has(type);
  }

  protected _shutdown(): Promise<void> {
    return Promise.resolve();
  }

  health(): BusHealth {
    return {
      transport: "local",
      ok: !this.closed,
      status: this.closed ? "closed" : "ready",
      subscriptions: this.subscriptionCount,
      stats: this.stats(),
    };
  }
}

/**
 * Creates a bus that delivers inside this process. Nothing to install.
 *
 * @param catalog The event catalog (see `defineEvents`).
 * @param options `source`, `onError`, `validate`.
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
