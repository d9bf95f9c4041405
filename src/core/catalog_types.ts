/**
 * The types of the event catalog: schemas as the library sees them, the
 * `EventCatalog` interface, what TypeScript infers from a catalog and the
 * versions it reads. The implementation is `defineEvents` in `catalog.ts`,
 * the versioning (`versioned`) in `versions.ts`. This module imports
 * nothing, so every other one may import it.
 *
 * @module
 */

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

/**
 * What a consumer does with an event of a version newer than any it knows:
 * `"reject"` counts it invalid (on the nats transport a group dead-letters
 * it); `"accept-if-valid"` validates it against the newest schema it knows
 * and delivers it if it passes.
 */
export type NewerVersionPolicy = "reject" | "accept-if-valid";

/** An older version of a type, and how to turn its data into the next one's. */
export interface OlderVersion {
  /** The version number (1, 2, ...). */
  readonly version: number;
  /** The schema of this version's `data`. */
  readonly schema: EventSchema;
  /**
   * Turns this version's validated data into the next version's input; the
   * result is validated against the next version's schema.
   */
  readonly upcast: (data: never) => unknown;
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
