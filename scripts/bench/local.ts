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
import type { BenchCase, BenchInstance } from "./harness.ts";

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

export const catalog = defineEvents({
  "context.updated": z.object({
    path: z.string().min(1),
    collection: z.string().min(1),
    chunks: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    language: z.string(),
    changed: z.boolean(),
    hash: z.string(),
  }),
  "context.removed": z.object({ path: z.string().min(1) }),
  "cache.invalidate": z.object({ namespace: z.string().optional() }),
});

/** Distinct handler closures (EventTarget ignores a listener added twice). */
function counting(subscribers: number) {
  const counter = { n: 0 };
  const handlers = Array.from({ length: subscribers }, () => (_: unknown) => {
    counter.n++;
  });
  const takeDelivered = () => {
    const n = counter.n;
    counter.n = 0;
    return n;
  };
  return { handlers, takeDelivered };
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
  const suite = "local";
  return subscriberCounts.flatMap((subscribers): BenchCase[] => [
    {
      suite,
      subscribers,
      baseline: true,
      name: "EventTarget + new CustomEvent (raw)",
      create: () => eventTarget(subscribers),
    },
    {
      suite,
      subscribers,
      name: "eventemitter3",
      create: () => eventEmitter3(subscribers),
    },
    {
      suite,
      subscribers,
      name: "mitt",
      create: () => mittEmitter(subscribers),
    },
    ...([
      ["context.updated", true],
      ["context.updated", false],
      ["context.*", true],
      ["context.*", false],
    ] as const).map(([pattern, validate]) => ({
      suite,
      subscribers,
      name: `local bus, ${pattern === "context.*" ? "pattern" : "exact"} ` +
        `"${pattern}", validate ${validate ? "on" : "off"}`,
      create: () => localBus(subscribers, pattern, validate),
    })),
  ]);
}
