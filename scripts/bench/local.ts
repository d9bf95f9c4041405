/**
 * Local transport throughput: `LocalEventBus.publish` against a raw
 * `EventTarget` + `CustomEvent` per dispatch (the baseline), eventemitter3 and
 * mitt, with 1 and 10 subscribers, validation on and off, and exact type vs
 * pattern subscriptions. Handlers only count, so dispatch cost dominates.
 *
 * Run through `main.ts`; this module only defines the cases. It is
 * runtime-neutral (web APIs and the imported packages only, no `Deno.*`):
 * the `runtimes` suite runs these same cases under Node and Bun
 * (`portable.ts`, `runtimes.ts`).
 *
 * @module
 */

import { EventEmitter } from "eventemitter3";
import mittModule from "mitt";
import { z } from "zod";
import { createLocalEventBus, defineEvents } from "../../mod.ts";
import {
  alignTable,
  type BenchCase,
  type BenchInstance,
  type BenchResult,
  suiteCases,
} from "./harness.ts";
import { payloadSchema } from "./peers/schema.mjs";

// mitt's typings are resolved as CommonJS, so its default export types as the
// module namespace; at runtime (ESM) it is the `mitt` function itself.
const mitt = mittModule as unknown as typeof mittModule.default;

const TYPE = "context.updated";

/** The published data: 176 bytes of JSON. */
export const payload = {
  path: "/workspace/memory-context-browser/src/indexing/pipeline/chunker.ts",
  collection: "docs",
  chunks: 42,
  bytes: 18734,
  language: "typescript",
  changed: true,
  hash: "9f86",
};

/**
 * The schema of `context.updated` (the 176-byte payload), shared by every
 * bench: parsed by the raw floor case, extended by the NATS and peers ones
 * (defined in `peers/schema.mjs`, which the peers bench runs under Node).
 */
export const catalogSchema = payloadSchema;

export const catalog = defineEvents({
  "context.updated": catalogSchema,
  "context.removed": z.object({ path: z.string().min(1) }),
  "cache.invalidate": z.object({ namespace: z.string().optional() }),
});

/**
 * `subscribers` distinct handlers made by `handler` (EventTarget ignores a
 * listener added twice), each counting in `counter.n`, and `takeDelivered`,
 * which returns the count and resets it.
 */
export function countingWith<H>(
  subscribers: number,
  handler: (counter: { n: number }) => H,
): { handlers: H[]; takeDelivered: () => number } {
  const counter = { n: 0 };
  const handlers = Array.from({ length: subscribers }, () => handler(counter));
  const takeDelivered = () => {
    const n = counter.n;
    counter.n = 0;
    return n;
  };
  return { handlers, takeDelivered };
}

/** Synchronous handlers that only count. */
function counting(subscribers: number) {
  return countingWith(subscribers, (counter) => (_: unknown) => {
    counter.n++;
  });
}

function eventTarget(subscribers: number): BenchInstance {
  const { handlers, takeDelivered } = counting(subscribers);
  const target = new EventTarget();
  for (const h of handlers) target.addEventListener(TYPE, h);
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        target.dispatchEvent(new CustomEvent(TYPE, { detail: payload }));
      }
    },
    takeDelivered,
  };
}

/**
 * The floor of a validated publish: the same zod parse of the same data,
 * then the raw dispatch, in the same loop (the schema is the catalog's).
 */
function eventTargetParsed(subscribers: number): BenchInstance {
  const { handlers, takeDelivered } = counting(subscribers);
  const target = new EventTarget();
  for (const h of handlers) target.addEventListener(TYPE, h);
  const schema = catalogSchema;
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        const data = schema.parse(payload);
        target.dispatchEvent(new CustomEvent(TYPE, { detail: data }));
      }
    },
    takeDelivered,
  };
}

function eventEmitter3(subscribers: number): BenchInstance {
  const { handlers, takeDelivered } = counting(subscribers);
  const emitter = new EventEmitter();
  for (const h of handlers) emitter.on(TYPE, h);
  return {
    run(n) {
      for (let i = 0; i < n; i++) emitter.emit(TYPE, payload);
    },
    takeDelivered,
    close: () => void emitter.removeAllListeners(),
  };
}

function mittEmitter(subscribers: number): BenchInstance {
  const { handlers, takeDelivered } = counting(subscribers);
  const emitter = mitt<{ [TYPE]: typeof payload }>();
  for (const h of handlers) emitter.on(TYPE, h);
  return {
    run(n) {
      for (let i = 0; i < n; i++) emitter.emit(TYPE, payload);
    },
    takeDelivered,
    close: () => emitter.all.clear(),
  };
}

function localBus(
  subscribers: number,
  pattern: "context.updated" | "context.*",
  validate: boolean,
): BenchInstance {
  const { handlers, takeDelivered } = counting(subscribers);
  const errors: unknown[] = [];
  const bus = createLocalEventBus(catalog, {
    validate,
    onError: (error) => errors.push(error),
  });
  for (const h of handlers) bus.subscribe(pattern, h);
  return {
    run(n) {
      // Not awaited: publish returns an already-settled promise. A rejection
      // would be trapped by the harness and fail the round.
      for (let i = 0; i < n; i++) bus.publish(TYPE, payload);
    },
    takeDelivered() {
      if (errors.length > 0) throw errors[0];
      return takeDelivered();
    },
    close: () => bus.close(),
  };
}

/** Every local case, baseline first within each subscriber count. */
export function localCases(subscriberCounts = [1, 10]): BenchCase[] {
  return suiteCases("local", subscriberCounts, [
    ["EventTarget + new CustomEvent (raw)", eventTarget],
    [FLOOR, eventTargetParsed],
    ["eventemitter3", eventEmitter3],
    ["mitt", mittEmitter],
    ...([
      ["context.updated", true],
      ["context.updated", false],
      ["context.*", true],
      ["context.*", false],
    ] as const).map(([pattern, validate]) =>
      [
        `local bus, ${pattern === "context.*" ? "pattern" : "exact"} ` +
        `"${pattern}", validate ${validate ? "on" : "off"}`,
        (subscribers: number) => localBus(subscribers, pattern, validate),
      ] as const
    ),
  ]);
}

/** The name of the floor row: raw dispatch plus the same zod parse. */
export const FLOOR = "EventTarget + zod parse (raw floor of validate on)";

/**
 * The local results as a table: ratio vs raw `EventTarget`, and for the
 * validating bus rows, vs the floor of the same subscriber count.
 */
export function formatLocalTable(results: BenchResult[]): string {
  const header = [
    "case",
    "subscribers",
    "median events/s",
    "ratio",
    "vs floor",
  ];
  const rows = results.map((r) => {
    const floor = results.find((f) =>
      f.name === FLOOR && f.subscribers === r.subscribers
    );
    const vsFloor = floor && r.name.startsWith("local bus") &&
        r.name.endsWith("validate on")
      ? `${(r.medianEventsPerSec / floor.medianEventsPerSec).toFixed(2)}x`
      : "-";
    return [
      r.name,
      String(r.subscribers),
      Math.round(r.medianEventsPerSec).toLocaleString("en-US"),
      r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
      vsFloor,
    ];
  });
  return alignTable(header, rows);
}
