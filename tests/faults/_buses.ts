// Shared by tests/faults/*_test.ts (not a test file): nats buses of the
// delivery catalog (order.placed / order.shipped, data { n }) that record
// their connection statuses and the errors reported to onError.
import type {
  ConnectionStatus,
  ErrorContext,
  NatsConfigInput,
} from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import { type Accounting, sleep } from "./_accounting.ts";
import {
  type DeliveryBus,
  deliveryEvents,
  names,
} from "../fixtures/nats_delivery.ts";

export { deliveryEvents, names };
export type { DeliveryBus };

/** A bus with what it went through. */
export interface WatchedBus {
  /** A name for messages. */
  name: string;
  bus: DeliveryBus;
  /** Every status change (starts with `connected`). */
  statuses: ConnectionStatus[];
  /** Errors reported to onError. */
  reports: { error: unknown; context: ErrorContext }[];
  /** How many statuses of `type` were seen. */
  count(type: ConnectionStatus["type"]): number;
}

/** NATS clients keep timers and sockets that outlive a test's last await. */
export const NO_SANITIZERS = { sanitizeOps: false, sanitizeResources: false };

/**
 * Opens a nats bus on `servers` whose stream and subject prefix derive from
 * `tag` (see `names`), with `nats` overrides.
 */
export async function openWatched(
  name: string,
  servers: string,
  tag: string,
  nats: NatsConfigInput = {},
): Promise<WatchedBus> {
  const { stream, prefix } = names(tag);
  const statuses: ConnectionStatus[] = [];
  const reports: WatchedBus["reports"] = [];
  const bus = await createEventBus(deliveryEvents, {
    transport: "nats",
    source: `/faults/${name}`,
    onError: (error, context) => reports.push({ error, context }),
    nats: { servers, stream, subjectPrefix: prefix, ...nats },
  }, { onStatus: (s) => statuses.push(s) });
  return {
    name,
    bus,
    statuses,
    reports,
    count: (type) => statuses.filter((s) => s.type === type).length,
  };
}

/** `{ transport: 3, handler: 1 }`: the reports of some buses by kind. */
export function reportKinds(buses: WatchedBus[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of buses) {
    for (const r of b.reports) {
      out[r.context.kind] = (out[r.context.kind] ?? 0) + 1;
    }
  }
  return out;
}

/**
 * Opens the buses of a delivery scenario (`openWatched` with the arguments
 * after its name: servers, tag, nats overrides), pushing each onto
 * `buses` as it opens (for the caller to close): publishers `pub1` and
 * `pub2`, `fanout`, subscribed to `order.*` as the fan-out subscriber "sub"
 * of `acc`, and `m1` and `m2`, members of group "g" (each handler works
 * 1 ms, so that faults hit handlers too, then counts). Resolves with the
 * two publishers once every subscription is ready.
 */
export async function openFanoutAndGroup(
  buses: WatchedBus[],
  acc: Accounting,
  ...open: Parameters<typeof openWatched> extends [string, ...infer R] ? R
    : never
): Promise<[pub1: WatchedBus, pub2: WatchedBus]> {
  const opened: WatchedBus[] = [];
  for (const name of ["pub1", "pub2", "fanout", "m1", "m2"]) {
    opened.push(await openWatched(name, ...open));
    buses.push(opened.at(-1)!);
  }
  const [pub1, pub2, fan, m1, m2] = opened;
  const seen = acc.fanout("sub");
  const fanSub = fan.bus.subscribe("order.*", (e) => seen(e.id));
  const groupSubs = [m1, m2].map((m) => {
    const handled = acc.group("g", m.name);
    return m.bus.subscribe("order.*", async (e) => {
      await sleep(1);
      handled(e.id);
    }, { group: "g" });
  });
  await Promise.all([fanSub.ready, ...groupSubs.map((s) => s.ready)]);
  return [pub1, pub2];
}

/** Closes every bus, whatever happens to the others. */
export async function closeAll(buses: WatchedBus[]): Promise<void> {
  await Promise.allSettled(buses.map((b) => b.bus.close()));
}

/** A running publish load (see {@linkcode publishLoad}). */
export interface Load {
  /** Publishes started so far. */
  readonly issued: number;
  /** Longest time a publish took to settle, ms. */
  readonly slowest: number;
  /** Resolves when every publish started has settled. */
  readonly done: Promise<void>;
  /** Starts no more publishes. */
  stop(): void;
}

/**
 * Publishes up to `total` events, round-robin over `publishers`, one every
 * `interval` ms, with at most `inflight` unsettled at once, recording each
 * in `acc` (ids from `acc.nextId()`). Stops early on `stop()` or after
 * `maxMs`.
 */
export function publishLoad(
  acc: {
    publish(send: (id: string) => Promise<unknown>): Promise<unknown>;
  },
  publishers: DeliveryBus[],
  options: { total: number; inflight: number; interval: number; maxMs: number },
): Load {
  let stopped = false;
  let issued = 0;
  let slowest = 0;
  const deadline = Date.now() + options.maxMs;
  const running = new Set<Promise<unknown>>();
  const done = (async () => {
    for (let n = 0; n < options.total; n++) {
      while (running.size >= options.inflight && Date.now() < deadline) {
        await Promise.race([...running, sleep(100)]);
      }
      if (stopped || Date.now() >= deadline) break;
      const bus = publishers[n % publishers.length];
      const type = n % 2 === 0 ? "order.placed" : "order.shipped";
      const started = Date.now();
      const p = acc.publish((id) => bus.publish(type, { n }, { id }))
        .finally(() => {
          slowest = Math.max(slowest, Date.now() - started);
          running.delete(p);
        });
      running.add(p);
      issued++;
      if (options.interval > 0) await sleep(options.interval);
    }
    await Promise.allSettled([...running]);
  })();
  return {
    get issued() {
      return issued;
    },
    get slowest() {
      return slowest;
    },
    done,
    stop: () => stopped = true,
  };
}
