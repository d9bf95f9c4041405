/**
 * The event catalog: which event types exist and the zod schema of each
 * one's `data`. Every bus is typed by, and validates against, one catalog.
 *
 * @module
 */

import type * as z from "zod/v4/core";
import { safeParse } from "zod/v4/core";
import { EventTypeError, ValidationError } from "./errors.ts";
import { toValidationIssues } from "./_issues.ts";
import { assertEventType, assertPattern, matchesPattern } from "./subject.ts";

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
}

class Catalog<S extends Record<string, EventSchema>>
  implements EventCatalog<S> {
  readonly types: readonly (keyof S & string)[];
  readonly schemas: Readonly<S>;
  #ephemeral: Set<string>;
  #descriptions: Map<string, string>;

  constructor(definitions: EventDefinitions) {
    const schemas: Record<string, EventSchema> = Object.create(null);
    this.#ephemeral = new Set();
    this.#descriptions = new Map();
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
    const schema = this.schemas[type];
    if (schema === undefined || !this.has(type)) {
      throw new EventTypeError(type, "it is not in the event catalog");
    }
    let result: ReturnType<typeof safeParse>;
    try {
      result = safeParse(schema as unknown as z.$ZodType, data);
    } catch (error) {
      // A recursive schema on absurdly deep data overflows the stack.
      if (!(error instanceof RangeError)) throw error;
      throw new ValidationError(type, [{
        path: "data",
        message: "nested too deeply to validate",
      }], { cause: error });
    }
    if (result.success) return result.data as SchemaOutput<S[T]>;
    throw new ValidationError(
      type,
      toValidationIssues("data", result.error.issues, data),
      { cause: result.error },
    );
  }
}

function isSchema(value: unknown): value is EventSchema {
  return typeof value === "object" && value !== null && "_zod" in value;
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
 * @param definitions Event type -> schema or definition.
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
): EventCatalog<SchemasOf<D>> {
  if (typeof definitions !== "object" || definitions === null) {
    throw new TypeError(
      `defineEvents: expected an object of event types, got ${
        definitions === null ? "null" : typeof definitions
      }`,
    );
  }
  return new Catalog<SchemasOf<D>>(definitions);
}
