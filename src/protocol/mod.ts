/**
 * The event protocol as data: JSON Schema of each event type, for tools,
 * other languages and documentation.
 *
 * @example
 * ```ts
 * import { catalogJSONSchema } from "@mcb/event-bus/protocol";
 * import { mcbEvents } from "@mcb/event-bus";
 *
 * console.log(Object.keys(catalogJSONSchema(mcbEvents)).length > 0); // true
 * ```
 *
 * @module
 */
export { catalogJSONSchema, schemaToJSONSchema } from "./json_schema.ts";
export type { JSONSchema } from "./json_schema.ts";
