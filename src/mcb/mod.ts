/**
 * Memory Context Browser's event catalog and the types of its events (field
 * names as in that system). Every type, field, constraint and version is
 * listed in `protocol/mcb/EVENTS.md`, generated from this catalog.
 *
 * @example Publish and receive indexing progress
 * ```ts
 * import { createLocalEventBus } from "@mcb/event-bus";
 * import { type IndexingProgress, mcbEvents } from "@mcb/event-bus/mcb";
 *
 * const bus = createLocalEventBus(mcbEvents, { source: "/indexer/1" });
 * const seen: IndexingProgress[] = [];
 * bus.subscribe("indexing.progress", (event) => {
 *   seen.push(event.data);
 * });
 * await bus.publish("indexing.progress", {
 *   collection: "docs",
 *   processed: 40,
 *   total: 120,
 * });
 * // Counts are non-negative integers: -1 is refused before any handler.
 * const refused = await bus.publish("indexing.progress", {
 *   collection: "docs",
 *   processed: -1,
 *   total: 120,
 * }).then(() => false, (error: Error) => error.name === "ValidationError");
 * await bus.close();
 * if (seen.length !== 1 || !refused) throw new Error("unexpected");
 * ```
 *
 * @module
 */

export { mcbEvents } from "./events.ts";
export type { McbEvents, McbSchemas } from "./events.ts";
export type * from "./types.ts";
