/**
 * Versioned event types: a type's current schema, the schemas of its older
 * versions and an `upcast` from each to the next, so a consumer reads events
 * written by older producers (live, or replayed from a stream) in the shape
 * it knows.
 *
 * A version travels in the envelope's `dataschema`, a URI per type and
 * version: `<schemaBase><type>/v<version>` (`schemaBase` is a
 * `defineEvents` option, by default `urn:mcb:events:`).
 *
 * The upcasting code lives in {@linkcode versioned}'s result, so a bundle
 * whose catalog declares no versions does not carry it.
 *
 * @module
 */
import type {
  EventCatalog,
  EventDefinition,
  EventSchema,
  NewerVersionPolicy,
  OlderVersion,
} from "./catalog_types.ts";
import type { CloudEvent } from "./envelope.ts";
import { parseData } from "./_parse.ts";
import { ValidationError } from "./errors.ts";

// Declared with the catalog's types, which name them; exported here too,
// with the rest of versioning.
export type { NewerVersionPolicy, OlderVersion };

/** The `schemaBase` of catalogs that do not set one. */
export const DEFAULT_SCHEMA_BASE = "urn:mcb:events:";

/** What {@linkcode versioned} accepts. */
export interface VersionedInput<S extends EventSchema>
  extends EventDefinition<S> {
  /** The current version (2 or more when there is history). */
  readonly version: number;
  /**
   * Every older version still readable, oldest first and without gaps, the
   * last one being `version - 1`. May start after 1 when the oldest ones are
   * no longer produced nor stored anywhere.
   */
  readonly history?: readonly OlderVersion[];
}

/** Reads data published as one version; see {@linkcode versioned}. */
export type VersionReader = (
  type: string,
  data: unknown,
  version: number | undefined,
  newer: NewerVersionPolicy,
) => unknown;

/** Validates data a producer publishes as one version; see {@linkcode versioned}. */
export type VersionParser = (
  type: string,
  data: unknown,
  version: number | undefined,
  dataschema: string,
  uriOf: (version: number) => string,
) => unknown;

/** A definition made by {@linkcode versioned}. */
export interface VersionedDefinition<S extends EventSchema = EventSchema>
  extends VersionedInput<S> {
  /** Checks the declaration; called by `defineEvents` with the type name. */
  readonly check: (type: string) => void;
  /** Validates data of a version and upcasts it to the current one. */
  readonly read: VersionReader;
  /** Validates published data against the version its dataschema names. */
  readonly parseAs: VersionParser;
}

/** `<base><type>/v<version>`: the `dataschema` of a type and version. */
export function schemaUri(base: string, type: string, version: number): string {
  return `${base}${type}/v${version}`;
}

/**
 * The version a `dataschema` names for `type` under `base`, or `undefined`
 * when it is another URI (an event's `dataschema` may be anything).
 */
export function versionInUri(
  base: string,
  type: string,
  dataschema: string,
): number | undefined {
  const prefix = `${base}${type}/v`;
  if (!dataschema.startsWith(prefix)) return undefined;
  const digits = dataschema.slice(prefix.length);
  return /^[1-9]\d{0,8}$/.test(digits) ? Number(digits) : undefined;
}

/**
 * `event` as the consumers of `catalog` read it: its data validated as the
 * version its `dataschema` names and upcast to the current one, and, for a
 * versioned type, the current version's `dataschema`. Both transports
 * deliver events through it.
 *
 * @throws {ValidationError} for invalid data or an unreadable version.
 */
export function readEvent(
  catalog: EventCatalog,
  event: CloudEvent,
): CloudEvent {
  const current = catalog.publishedDataschema(event.type);
  return current === undefined || event.dataschema === current
    ? { ...event, data: catalog.read(event.type, event.data, event.dataschema) }
    : upcastEvent(catalog, event, current);
}

/**
 * `event`, which names another version than its type's current one, as
 * consumers read it: its data validated as that version and upcast, and
 * the current version's `dataschema`. For callers that know the event
 * needs it: {@linkcode readEvent}, and a transport delivering an event
 * published as an older version.
 *
 * @param current The current version's `dataschema` of `event.type`.
 * @throws {ValidationError} for invalid data or an unreadable version.
 */
export function upcastEvent(
  catalog: EventCatalog,
  event: CloudEvent,
  current: string,
): CloudEvent {
  const data = catalog.read(event.type, event.data, event.dataschema);
  return { ...event, data, dataschema: current };
}

/** The error for a version newer than any `type` knows. */
export function newerVersionError(
  type: string,
  version: number,
  known: number,
): ValidationError {
  return new ValidationError(type, [{
    path: "dataschema",
    message:
      `version ${version} is newer than any this consumer knows (${known}); it rejects newer versions (newerVersions: "accept-if-valid" would validate it against version ${known})`,
  }]);
}

/**
 * Declares a versioned event type for `defineEvents`: the current version
 * and its schema, plus older versions with an `upcast` from each to the
 * next. Publishers put the current version in `dataschema`; consumers read
 * any listed version, upcast step by step (each step validated) to the
 * current shape before a handler runs. An event without `dataschema` is
 * read as the oldest listed version (producers from before versioning).
 *
 * @example Version 3 of a type, readable from version 1
 * ```ts
 * import { defineEvents, versioned } from "@mcb/event-bus";
 * import * as z from "zod/mini";
 *
 * const events = defineEvents({
 *   "context.updated": versioned({
 *     version: 3,
 *     schema: z.object({ path: z.string(), chunks: z.number(), lang: z.string() }),
 *     history: [
 *       { version: 1, schema: z.object({ path: z.string() }), upcast: (d: { path: string }) => ({ ...d, chunks: 0 }) },
 *       { version: 2, schema: z.object({ path: z.string(), chunks: z.number() }), upcast: (d: { path: string; chunks: number }) => ({ ...d, lang: "unknown" }) },
 *     ],
 *   }),
 * });
 * const v1 = events.dataschema("context.updated", 1);
 * console.log(events.read("context.updated", { path: "/a" }, v1));
 * // { path: "/a", chunks: 0, lang: "unknown" }
 * ```
 */
export function versioned<S extends EventSchema>(
  definition: VersionedInput<S>,
): VersionedDefinition<S> {
  const { version } = definition;
  const history = [...(definition.history ?? [])];
  const check = (type: string) => {
    const fail = (what: string) => {
      throw new TypeError(`defineEvents: "${type}": ${what}`);
    };
    if (!Number.isInteger(version) || version < 1) {
      fail(`version must be an integer >= 1, got ${version}`);
    }
    const first = version - history.length;
    if (history.length > 0 && first < 1) {
      fail(
        `history lists ${history.length} versions before version ${version}`,
      );
    }
    history.forEach((step, i) => {
      const expected = first + i;
      if (step?.version !== expected) {
        fail(
          `history[${i}].version must be ${expected} (older versions run oldest first, without gaps, up to ${
            version - 1
          }), got ${step?.version}`,
        );
      }
      if (typeof step.schema !== "object" || !("_zod" in step.schema)) {
        fail(`history[${i}].schema must be a zod 4 schema`);
      }
      if (typeof step.upcast !== "function") {
        fail(
          `history[${i}].upcast must be a function (version ${expected} -> ${
            expected + 1
          })`,
        );
      }
    });
  };
  const read: VersionReader = (type, data, from, newer) => {
    const oldest = version - history.length;
    const start = from ?? oldest;
    if (start > version) {
      if (newer === "reject") throw newerVersionError(type, start, version);
      return parseData(type, definition.schema, data);
    }
    if (start < oldest) {
      throw new ValidationError(type, [{
        path: "dataschema",
        message:
          `version ${start} is older than any this consumer reads (oldest: ${oldest})`,
      }]);
    }
    let value = data;
    for (let v = start; v < version; v++) {
      const step = history[v - oldest];
      const valid = parseData(
        type,
        step.schema,
        value,
        `(read as version ${v})`,
      );
      try {
        value = step.upcast(valid as never);
      } catch (error) {
        throw new ValidationError(type, [{
          path: "data",
          message: `upcast from version ${v} to ${v + 1} failed: ${
            (error as Error)?.message ?? error
          }`,
        }], { cause: error });
      }
    }
    return parseData(type, definition.schema, value);
  };
  const parseAs: VersionParser = (type, data, v, dataschema, uriOf) => {
    const oldest = version - history.length;
    if (v === undefined || v < oldest || v > version) {
      const uris = [];
      for (let i = oldest; i <= version; i++) uris.push(uriOf(i));
      throw new ValidationError(type, [{
        path: "dataschema",
        message: `expected one of this type's version URIs (${
          uris.join(", ")
        }), got ${JSON.stringify(dataschema)}`,
      }]);
    }
    return v === version
      ? parseData(type, definition.schema, data)
      : parseData(type, history[v - oldest].schema, data);
  };
  return { ...definition, history, check, read, parseAs };
}
