/**
 * JSON Schema of each event type's `data`, for consumers that do not use
 * TypeScript (and for the protocol snapshot and the AsyncAPI document).
 *
 * It lives outside the catalog so that zod's JSON Schema generator (about
 * 21 KB minified) is only bundled by code that asks for it.
 *
 * @module
 */
import type * as z from "zod/v4/core";
import { toJSONSchema } from "zod/v4/core";
import type { EventCatalog, EventSchema } from "../core/catalog.ts";

/** A JSON Schema document (draft 2020-12), as plain JSON. */
export type JSONSchema = Record<string, unknown>;

/**
 * The JSON Schema (draft 2020-12) of one zod 4 schema, classic or mini, as
 * plain JSON. It describes what a producer must send (zod's input side): a
 * field with a default is optional.
 *
 * @throws {TypeError} when the schema cannot be expressed in JSON Schema
 * (e.g. a `z.custom()` or a transform), naming `label`.
 */
export function schemaToJSONSchema(
  schema: EventSchema,
  label = "schema",
): JSONSchema {
  try {
    return toJSONSchema(schema as unknown as z.$ZodType, {
      io: "input",
      unrepresentable: "throw",
    }) as JSONSchema;
  } catch (error) {
    throw new TypeError(
      `${label}: cannot be expressed as JSON Schema: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}

/**
 * The JSON Schema of every type's `data` in `catalog`, in definition order.
 *
 * @example
 * ```ts
 * import { defineEvents } from "@mcb/event-bus";
 * import { catalogJSONSchema } from "@mcb/event-bus/protocol";
 * import * as z from "zod/mini";
 *
 * const events = defineEvents({
 *   "context.updated": z.object({ path: z.string() }),
 * });
 * const schemas = catalogJSONSchema(events);
 * console.log(schemas["context.updated"].required); // ["path"]
 * ```
 */
export function catalogJSONSchema<S extends Record<string, EventSchema>>(
  catalog: EventCatalog<S>,
): Record<keyof S & string, JSONSchema> {
  const out = {} as Record<string, JSONSchema>;
  for (const type of catalog.types) {
    out[type] = schemaToJSONSchema(catalog.schemas[type], type);
  }
  return out as Record<keyof S & string, JSONSchema>;
}
