// A consumer of the npm package, as a user would write it: only package
// specifiers. `test:node` type-checks it with tsc against the installed
// tarball's .d.ts files (a Node project: @types/node, no DOM lib, strict)
// and runs it; `deno check` checks it against the sources. The
// `@ts-expect-error` lines prove that the types are precise, not `any`.
import {
  createLocalEventBus,
  defineEvents,
  type EventBus,
  mcbEvents,
  ValidationError,
} from "@mcb/event-bus";
import { createEventBus } from "@mcb/event-bus/config";
import type { IndexingProgress } from "@mcb/event-bus/mcb";
import type { NatsEventBus } from "@mcb/event-bus/nats";
import { conformanceCases, conformanceEvents } from "@mcb/event-bus/testing";
import { z } from "zod";
import * as zm from "zod/mini";

const events = defineEvents({
  "context.updated": z.object({ path: z.string() }),
  "cache.invalidate": zm.object({ namespace: zm.optional(zm.string()) }),
});

const bus: EventBus<typeof events> = createLocalEventBus(events, {
  source: "/consumer",
});
const seen: string[] = [];
bus.subscribe("context.*", (event) => {
  const path: string = event.data.path;
  seen.push(path);
});
await bus.publish("context.updated", { path: "/src/main.ts" });
await bus.publish("cache.invalidate", {});
// @ts-expect-error: data is typed from the schema
await bus.publish("context.updated", { path: 1 }).catch(() => {});
// @ts-expect-error: unknown event type
await bus.publish("context.deleted", { path: "/x" }).catch(() => {});
const rejected = await bus
  .publish("context.updated", { path: 1 } as never)
  .then(() => false, (error) => error instanceof ValidationError);
await bus.close();

const factoryBus = await createEventBus(mcbEvents, { transport: "local" });
const progress: IndexingProgress = {
  collection: "docs",
  processed: 1,
  total: 2,
};
await factoryBus.publish("indexing.progress", progress);
await factoryBus.close();

// The nats entry point's types are reachable (without loading its code).
type Status = ReturnType<NatsEventBus<typeof events>["status"]>;
const noStatus: Status | undefined = undefined;
const cases = conformanceCases({
  createBus: (options) => createLocalEventBus(conformanceEvents, options),
});

if (
  seen[0] !== "/src/main.ts" || !rejected || cases.length === 0 ||
  noStatus !== undefined
) {
  throw new Error(`consumer: unexpected ${JSON.stringify({ seen, rejected })}`);
}
console.log(
  `consumer ok: ${cases.length} conformance cases, ${mcbEvents.types.length} mcb types`,
);
