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

/** A JSON Schema document, as plain JSON. */
export type JSONSchema = Record<string, unknown>;

/**
 * The JSON Schema dialect to write: 2020-12 (the default), or draft-07 (what
 * AsyncAPI 3.0 schemas are based on).
 */
export type JSONSchemaTarget = "draft-2020-12" | "draft-7";

/**
 * The JSON Schema (draft 2020-12) of one zod 4 schema, classic or mini, as
 * plain JSON. It describes what a producer must send (zod's input side): a
 * field with a default is optional.
 *
 * @param schema A zod 4 schema, classic or mini.
 * @param label Names the schema in errors (e.g. the event type).
 * @param target The JSON Schema dialect.
 * @throws {TypeError} when the schema cannot be expressed in JSON Schema
 * (e.g. a `z.custom()` or a transform), naming `label`.
 */
export function schemaToJSONSchema(
  schema: EventSchema,
  label = "schema",
  target: JSONSchemaTarget = "draft-2020-12",
): JSONSchema {
  try {
    return toJSONSchema(schema as unknown as z.$ZodType, {
      io: "input",
      unrepresentable: "throw",
      target,
    }) as JSONSchema;
  } catch (error) {
    throw new TypeError(
      `${label}: cannot be expressed as JSON Schema: ${
        error instanceof Error ? error.message : String(error)
      }`,
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

/**
 * The JSON Schema of `type`'s `data` at `version` (default: the current
 * one), with `$id` set to that version's `dataschema` URI.
 *
 * @throws {TypeError} when the catalog has no such version.
 */
export function versionJSONSchema(
  catalog: EventCatalog,
  type: string,
  version: number = catalog.version(type),
  target: JSONSchemaTarget = "draft-2020-12",
): JSONSchema {
  const known = catalog.versions(type).find((v) => v.version === version);
  if (known === undefined) {
    throw new TypeError(`"${type}" has no version ${version} in this catalog`);
  }
  const json = schemaToJSONSchema(known.schema, `${type} v${version}`, target);
  const { $schema, ...rest } = json;
  return {
    ...($schema === undefined ? {} : { $schema }),
    $id: catalog.dataschema(type, version),
    ...rest,
  };
}
