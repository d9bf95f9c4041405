/**
 * A typed event bus for Memory Context Browser and any app with the same
 * need: components publish CloudEvents validated with zod, others react,
 * without knowing each other. One `EventBus` contract, two transports chosen
 * by configuration: `local` (one process, web-standard `EventTarget`, the
 * default) and `nats` (many instances, NATS over WebSocket with JetStream).
 *
 * This entry point (the core, the local transport, configuration parsing and
 * the Memory Context Browser catalog) loads no NATS code. The factory that
 * picks a transport from configuration, `createEventBus`, is in
 * `@mcb/event-bus/config`; the nats transport's types and errors in
 * `@mcb/event-bus/nats`.
 *
 * @example Quick start
 * ```ts
 * import { createLocalEventBus, defineEvents } from "@mcb/event-bus";
 * import { z } from "zod";
 *
 * const events = defineEvents({
 *   "context.updated": z.object({ path: z.string() }),
 *   "cache.invalidate": z.object({ namespace: z.optional(z.string()) }),
 * });
 *
 * const bus = createLocalEventBus(events, { source: "/my-app/1" });
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
export * from "./src/config/root_exports.ts";
export * from "./src/mcb/mod.ts";
