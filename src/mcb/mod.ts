/**
 * Memory Context Browser's event catalog and the types of its events.
 *
 * @module
 */
export { mcbEvents } from "./events.ts";
export type { McbEvents, McbSchemas } from "./events.ts";
export type * from "./types.ts";
