/**
 * The local transport's routes: per event type, the one listener on the
 * bus's `EventTarget`, which delivers the type's events to its
 * subscriptions and groups, and the DOM event a publish of the type
 * dispatches. The target routes each DOM event to its type's listener.
 *
 * @module
 */

import type { BusSubscription } from "../core/subscription.ts";
import type { CloudEvent } from "../core/envelope.ts";

/**
 * The DOM event dispatched once per publish of a type, carrying the
 * CloudEvent; reused between dispatches (no allocation per publish).
 */
export class BusEvent extends Event {
  /** The event being dispatched; `undefined` between dispatches. */
  cloudEvent: CloudEvent | undefined = undefined;
}

/** Members of one group for one type; each event goes to the next one. */
interface GroupRoute {
  name: string;
  members: BusSubscription[];
  next: number;
}

/**
 * The listener of one event type on the bus's `EventTarget`: the target
 * calls `handleEvent` for each {@linkcode BusEvent} of the type, which
 * delivers to the type's subscriptions, then to one member of each group.
 * One listener per type rather than per subscription: a native listener
 * per subscription cost ~17 ns more per subscriber in Deno. Arrays are
 * replaced, never changed, so a dispatch goes through the subscriptions it
 * started with.
 */
export interface Route extends EventListenerObject {
  /** The DOM event a publish of the type dispatches. */
  readonly event: BusEvent;
  subs: BusSubscription[];
  groups: GroupRoute[];
}

/**
 * A route of `type` with no subscription yet; `deliver` delivers one
 * event to one subscription, isolating its errors.
 */
export function newRoute(
  type: string,
  deliver: (sub: BusSubscription, event: CloudEvent) => void,
): Route {
  const route: Route = {
    event: new BusEvent(type),
    subs: [],
    groups: [],
    handleEvent(dom) {
      const event = (dom as BusEvent).cloudEvent!;
      const subs = route.subs;
      for (let i = 0; i < subs.length; i++) {
        const sub = subs[i];
        if (sub.active) deliver(sub, event);
      }
      const groups = route.groups;
      for (let i = 0; i < groups.length; i++) {
        const group = groups[i];
        const members = group.members;
        for (let tries = 0; tries < members.length; tries++) {
          const sub = members[group.next++ % members.length];
          if (sub.active) {
            deliver(sub, event);
            break;
          }
        }
      }
    },
  };
  return route;
}

/** Adds `sub` to `route`: to its subscriptions, or to its group. */
export function addToRoute(route: Route, sub: BusSubscription): void {
  if (sub.group === undefined) route.subs = [...route.subs, sub];
  else {
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

/**
 * Removes `sub` from `route` wherever it is.
 *
 * @returns Whether the route has no subscription left.
 */
export function removeFromRoute(route: Route, sub: BusSubscription): boolean {
  route.subs = route.subs.filter((s) => s !== sub);
  route.groups = route.groups
    .map((g) => ({ ...g, members: g.members.filter((s) => s !== sub) }))
    .filter((g) => g.members.length > 0);
  return route.subs.length === 0 && route.groups.length === 0;
}
