/**
 * The event catalog: which event types exist and the zod schema of each
 * one's `data`. Every bus is typed by, and validates against, one catalog.
 *
 * @module
 */

import { EventTypeError } from "./errors.ts";
import { parseData } from "./_parse.ts";
import { assertEventType, assertPattern, matchesPattern } from "./subject.ts";
import {
  DEFAULT_SCHEMA_BASE,
  newerVersionError,
  type NewerVersionPolicy,
  type OlderVersion,
  schemaUri,
  type VersionedDefinition,
  versionInUri,
} from "./versions.ts";

/**
 * Any zod 4 schema, classic (`zod`) or mini (`zod/mini`): the part of zod's
 * `$ZodType` this library relies on, so it names no zod type and works with
 * whichever copy of zod 4 the application brings.
 *
 * @typeParam O The validated (output) type.
 * @typeParam I The accepted (input) type.
 */
export interface EventSchema<O = unknown, I = O> {
  /** zod 4's internals; only the type-level `output` and `input` are read. */
  readonly _zod: { readonly output: O; readonly input: I };
}

/** The type a schema produces (zod's `output`). */
export type SchemaOutput<S> = S extends
  { readonly _zod: { readonly output: infer O } } ? O
  : unknown;

/** The type a schema accepts (zod's `input`). */
export type SchemaInput<S> = S extends
  { readonly _zod: { readonly input: infer I } } ? I
  : unknown;

/** A schema with options, for types that need more than a schema. */
export interface EventDefinition<S extends EventSchema = EventSchema> {
  /** The schema of the event's `data`. */
  readonly schema: S;
  /**
   * At-most-once delivery: the nats transport publishes the type with core
   * NATS (no JetStream persistence) for throughput. Ignored by `local`.
   *
   * @default {false}
   */
  readonly ephemeral?: boolean;
  /** A sentence for generated documentation. */
  readonly description?: string;
}

/** What {@linkcode defineEvents} accepts: a schema or a definition per type. */
export type EventDefinitions = Record<string, EventSchema | EventDefinition>;

/** The schema of each type of a definitions map. */
export type SchemasOf<D extends EventDefinitions> = {
  [K in keyof D]: D[K] extends EventDefinition<infer S> ? S
    : Extract<D[K], EventSchema>;
};

/** An event type name of catalog `C`. */
export type EventType<C extends EventCatalog> = C extends EventCatalog<infer S>
  ? keyof S & string
  : never;

/** The `data` of type `T` after validation (zod output type). */
export type EventData<C extends EventCatalog, T extends string> = C extends
  EventCatalog<infer S> ? T extends keyof S ? SchemaOutput<S[T]> : never
  : never;

/** The `data` that `publish(T, data)` accepts (zod input type). */
export type EventInput<C extends EventCatalog, T extends string> = C extends
  EventCatalog<infer S> ? T extends keyof S ? SchemaInput<S[T]> : never
  : never;

/** A validated set of event types. Create one with {@linkcode defineEvents}. */
export interface EventCatalog<
  S extends Record<string, EventSchema> = Record<string, EventSchema>,
> {
  /** Every event type, in definition order. */
  readonly types: readonly (keyof S & string)[];
  /** The schema of each type. */
  readonly schemas: Readonly<S>;
  /** Whether `type` is in the catalog. */
  has(type: string): type is keyof S & string;
  /** Whether `type` is declared ephemeral (at-most-once). */
  isEphemeral(type: string): boolean;
  /** The description given for `type`, if any. */
  describe(type: string): string | undefined;
  /**
   * The catalog's types that `pattern` selects.
   *
   * @throws {EventTypeError} when the pattern is malformed.
   */
  typesMatching(pattern: string): (keyof S & string)[];
  /**
   * Validates `data` for `type` and returns zod's output (defaults applied,
   * unknown keys stripped as the schema says).
   *
   * @throws {EventTypeError} when `type` is not in the catalog.
   * @throws {ValidationError} listing every failing path under `data`.
   */
  parse<T extends keyof S & string>(
    type: T,
    data: unknown,
  ): SchemaOutput<S[T]>;
  /**
   * Validates data a producer publishes as the version `dataschema` names
   * (default: the current one); see {@linkcode versioned}. On a versioned
   * type `dataschema` must be one of its version URIs; on others it is
   * only metadata and the current schema applies.
   *
   * @throws {EventTypeError} when `type` is not in the catalog.
   * @throws {ValidationError} for invalid data or an unknown version.
   */
  parseAs<T extends keyof S & string>(
    type: T,
    data: unknown,
    dataschema?: string,
  ): SchemaOutput<S[T]>;
  /**
   * Reads data received as the version `dataschema` names (see
   * {@linkcode versioned}): validates it against that version's schema and
   * upcasts it step by step to the current one. Without a `dataschema` of
   * this catalog, versioned types read as their oldest version and others
   * as their only one. A newer version than any known follows the
   * catalog's `newerVersions` policy.
   *
   * @throws {EventTypeError} when `type` is not in the catalog.
   * @throws {ValidationError} for invalid data or an unreadable version.
   */
  read<T extends keyof S & string>(
    type: T,
    data: unknown,
    dataschema?: string,
  ): SchemaOutput<S[T]>;
  /** The current version of `type`: 1 unless declared with `versioned()`. */
  version(type: string): number;
  /**
   * Every version of `type` this catalog reads, oldest first, the current
   * one last (its `upcast` is undefined).
   */
  versions(type: string): readonly CatalogVersion[];
  /** The `dataschema` URI of `type` at `version` (default: current). */
  dataschema(type: string, version?: number): string;
  /**
   * The `dataschema` publishers put on `type`'s events: the current
   * version's for types declared with `versioned()`, else `undefined`.
   */
  publishedDataschema(type: string): string | undefined;
  /** The version a `dataschema` names for `type`, if it is one of ours. */
  versionOf(type: string, dataschema: string | undefined): number | undefined;
}

/** One version of a type, as {@linkcode EventCatalog.versions} lists it. */
export interface CatalogVersion {
  /** The version number. */
  readonly version: number;
  /** The schema of `data` at this version. */
  readonly schema: EventSchema;
  /** From this version to the next; undefined for the current one. */
  readonly upcast?: OlderVersion["upcast"];
}

/** Options of {@linkcode defineEvents}. */
export interface CatalogOptions {
  /**
   * The start of every `dataschema` URI: `<schemaBase><type>/v<version>`.
   *
   * @default {"urn:mcb:events:"}
   */
  schemaBase?: string;
  /**
   * What consumers do with a version newer than any they know.
   *
   * @default {"reject"}
   */
  newerVersions?: NewerVersionPolicy;
}

class Catalog<S extends Record<string, EventSchema>>
  implements EventCatalog<S> {
  readonly types: readonly (keyof S & string)[];
  readonly schemas: Readonly<S>;
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
      typeof this.#base !== "string" || !/^[^\s"<>\\^`{|}]+$/.test(this.#base)
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
      throw new EventTypeError(type, "it is not in the event catalog");
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
