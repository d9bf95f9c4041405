/**
 * The event catalog: which event types exist and the zod schema of each
 * one's `data`. Every bus is typed by, and validates against, one catalog.
 *
 * @module
 */

import { noSuchType } from "./_suggest.ts";
import { URI_REFERENCE } from "./_envelope_rules.ts";
import { parseData } from "./_parse.ts";
import { assertEventType, assertPattern, matchesPattern } from "./subject.ts";
import {
  DEFAULT_SCHEMA_BASE,
  newerVersionError,
  type NewerVersionPolicy,
  schemaUri,
  type VersionedDefinition,
  versionInUri,
} from "./versions.ts";
import type {
  CatalogOptions,
  CatalogVersion,
  EventCatalog,
  EventDefinition,
  EventDefinitions,
  EventSchema,
  SchemaOutput,
  SchemasOf,
} from "./catalog_types.ts";

export type {
  CatalogOptions,
  CatalogVersion,
  EventCatalog,
  EventData,
  EventDefinition,
  EventDefinitions,
  EventInput,
  EventSchema,
  EventType,
  SchemaInput,
  SchemaOutput,
  SchemasOf,
} from "./catalog_types.ts";

class Catalog<S extends Record<string, EventSchema>>
  implements EventCatalog<S> {
  declare readonly types: readonly (keyof S & string)[];
  declare readonly schemas: Readonly<S>;
  #ephemeral: Set<string>;
  #descriptions: Map<string, string>;
  #versioned = new Map<string, VersionedDefinition>();
  /** The current version's dataschema of each versioned type. */
  #published = new Map<string, string>();
  #base: string;
  #newer: NewerVersionPolicy;

  constructor(definitions: EventDefinitions, options: CatalogOptions) {
    const schemas: Record<string, EventSchema> = Object.create(null);
    this.#ephemeral = new Set();
    this.#descriptions = new Map();
    this.#base = options.schemaBase ?? DEFAULT_SCHEMA_BASE;
    this.#newer = options.newerVersions ?? "reject";
    if (
      typeof this.#base !== "string" || !URI_REFERENCE.test(this.#base)
    ) {
      throw new TypeError(
        `defineEvents: schemaBase must be the start of a URI, got ${
          JSON.stringify(this.#base)
        }`,
      );
    }
    if (this.#newer !== "reject" && this.#newer !== "accept-if-valid") {
      throw new TypeError(
        `defineEvents: newerVersions must be "reject" or "accept-if-valid", got ${
          JSON.stringify(this.#newer)
        }`,
      );
    }
    for (const [type, value] of Object.entries(definitions)) {
      assertEventType(type);
      const def = isDefinition(value) ? value : { schema: value };
      if (!isSchema(def.schema)) {
        throw new TypeError(
          `defineEvents: "${type}" must be a zod 4 schema or { schema }, got ${typeof def
            .schema}`,
        );
      }
      schemas[type] = def.schema;
      if (isVersioned(def)) {
        def.check(type);
        this.#versioned.set(type, def);
        this.#published.set(type, schemaUri(this.#base, type, def.version));
      }
      if (def.ephemeral) this.#ephemeral.add(type);
      if (def.description) this.#descriptions.set(type, def.description);
    }
    this.types = Object.freeze(Object.keys(schemas)) as (keyof S & string)[];
    this.schemas = Object.freeze(schemas) as S;
  }

  has(type: string): type is keyof S & string {
    return Object.hasOwn(this.schemas, type);
  }

  isEphemeral(type: string): boolean {
    return this.#ephemeral.has(type);
  }

  describe(type: string): string | undefined {
    return this.#descriptions.get(type);
  }

  typesMatching(pattern: string): (keyof S & string)[] {
    assertPattern(pattern);
    return this.types.filter((t) => matchesPattern(pattern, t));
  }

  parse<T extends keyof S & string>(
    type: T,
    data: unknown,
  ): SchemaOutput<S[T]> {
    return parseData(type, this.#schema(type), data) as SchemaOutput<S[T]>;
  }

  #schema(type: string): EventSchema {
    if (!this.has(type)) {
      throw noSuchType(type, this.types);
    }
    return this.schemas[type];
  }

  parseAs<T extends keyof S & string>(
    type: T,
    data: unknown,
    dataschema?: string,
  ): SchemaOutput<S[T]> {
    const def = dataschema === undefined
      ? undefined
      : this.#versioned.get(type);
    if (def === undefined) return this.parse(type, data);
    return def.parseAs(
      type,
      data,
      this.versionOf(type, dataschema!),
      dataschema!,
      (v) => this.dataschema(type, v),
    ) as SchemaOutput<S[T]>;
  }

  read<T extends keyof S & string>(
    type: T,
    data: unknown,
    dataschema?: string,
  ): SchemaOutput<S[T]> {
    const schema = this.#schema(type);
    const from = this.versionOf(type, dataschema);
    const def = this.#versioned.get(type);
    if (def !== undefined) {
      return def.read(type, data, from, this.#newer) as SchemaOutput<S[T]>;
    }
    if (from !== undefined && from > 1 && this.#newer === "reject") {
      throw newerVersionError(type, from, 1);
    }
    return parseData(type, schema, data) as SchemaOutput<S[T]>;
  }

  version(type: string): number {
    this.#schema(type);
    return this.#versioned.get(type)?.version ?? 1;
  }

  versions(type: string): readonly CatalogVersion[] {
    const schema = this.#schema(type);
    const def = this.#versioned.get(type);
    return [
      ...(def?.history ?? []),
      { version: def?.version ?? 1, schema },
    ];
  }

  dataschema(type: string, version: number = this.version(type)): string {
    return schemaUri(this.#base, type, version);
  }

  publishedDataschema(type: string): string | undefined {
    return this.#published.get(type);
  }

  versionOf(type: string, dataschema: string | undefined): number | undefined {
    return dataschema === undefined
      ? undefined
      : versionInUri(this.#base, type, dataschema);
  }
}

function isSchema(value: unknown): value is EventSchema {
  return typeof value === "object" && value !== null && "_zod" in value;
}

function isVersioned(value: EventDefinition): value is VersionedDefinition {
  return typeof (value as VersionedDefinition).read === "function";
}

function isDefinition(value: unknown): value is EventDefinition {
  return typeof value === "object" && value !== null && !("_zod" in value) &&
    "schema" in value;
}

/**
 * Defines an event catalog: a map from event type to the zod schema of its
 * `data` (or `{ schema, ephemeral, description }`). TypeScript infers each
 * type's `data` from it.
 *
 * @param definitions Event type -> schema or definition (or
 * {@linkcode versioned}'s result).
 * @param options `schemaBase` of `dataschema` URIs and the policy for newer
 * versions.
 * @returns The validated catalog.
 * @throws {EventTypeError} naming the first malformed type (empty token,
 * space, `*`, `>`, more than 16 tokens or 256 characters).
 *
 * @example Defining a catalog
 * ```ts
 * import { defineEvents } from "@mcb/event-bus";
 * import { z } from "zod";
 *
 * const events = defineEvents({
 *   "context.updated": z.object({ path: z.string() }),
 *   "metrics.snapshot": { schema: z.record(z.string(), z.number()), ephemeral: true },
 * });
 * console.log(events.types); // ["context.updated", "metrics.snapshot"]
 * ```
 */
export function defineEvents<const D extends EventDefinitions>(
  definitions: D,
  options: CatalogOptions = {},
): EventCatalog<SchemasOf<D>> {
  if (typeof definitions !== "object" || definitions === null) {
    throw new TypeError(
      `defineEvents: expected an object of event types, got ${
        definitions === null ? "null" : typeof definitions
      }`,
    );
  }
  return new Catalog<SchemasOf<D>>(definitions, options);
}
