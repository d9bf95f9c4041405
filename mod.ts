/**
 * A typed event bus for Memory Context Browser and any app with the same
 * need: components publish CloudEvents validated with zod, others react,
 * without knowing each other. One `EventBus` contract, two transports chosen
 * by configuration: `local` (one process, web-standard `EventTarget`, the
 * default) and `nats` (many instances, NATS over WebSocket with JetStream).
 *
 * This entry point loads no NATS code.
 *
 * @example Quick start
 * ```ts
 * import { createEventBus, defineEvents } from "@mcb/event-bus";
 * import { z } from "zod";
 *
 * const events = defineEvents({
 *   "context.updated": z.object({ path: z.string() }),
 *   "cache.invalidate": z.object({ namespace: z.optional(z.string()) }),
 * });
 *
 * const bus = await createEventBus(events, { transport: "local" });
 * const seen: string[] = [];
 * bus.subscribe("context.*", (event) => { seen.push(event.data.path); });
 * await bus.publish("context.updated", { path: "/src/main.ts" });
 * await bus.close();
 * if (seen[0] !== "/src/main.ts") throw new Error("not delivered");
 * ```
 *
 * @module
 */

export * from "./src/core/mod.ts";
export * from "./src/local/mod.ts";
export * from "./src/config/mod.ts";
export * from "./src/mcb/mod.ts";
