/**
 * The protocol snapshot: a catalog's event types, versions and the JSON
 * Schema of every version it reads, as plain JSON, and its layout as files
 * (committed under `protocol/`, compared by the compatibility gate).
 *
 * Files: `catalog.json` (the index: each type's current version, the
 * versions it reads, whether it is ephemeral, its description) and
 * `<type>/v<N>.schema.json`, one JSON Schema per type and version whose
 * `$id` is that version's `dataschema` URI: each file is the schema its URI
 * names. The functions here do no I/O; callers read and write the files.
 *
 * @module
 */
import type { EventCatalog } from "../core/catalog.ts";
import { assertEventType } from "../core/subject.ts";
import { type JSONSchema, versionJSONSchema } from "./json_schema.ts";

/** One event type in a {@linkcode ProtocolSnapshot}. */
export interface SnapshotType {
  /** The current version (what producers publish). */
  version: number;
  /** Whether the type is ephemeral (at-most-once on nats). */
  ephemeral: boolean;
  /** The type's description, if any. */
  description?: string;
  /** The JSON Schema of each version the catalog reads, by number. */
  versions: Record<string, JSONSchema>;
}

/** A catalog's protocol as plain JSON; see {@linkcode snapshotOf}. */
export interface ProtocolSnapshot {
  /** The start of every `dataschema` URI (absent for an empty catalog). */
  schemaBase?: string;
  /** Every event type, by name. */
  types: Record<string, SnapshotType>;
}

/** The index file of a snapshot folder. */
export const SNAPSHOT_INDEX = "catalog.json";

/** `<type>/v<N>.schema.json`: the pattern of schema file paths. */
export const SCHEMA_FILE: RegExp =
  /^([A-Za-z0-9_.-]+)\/v([1-9]\d*)\.schema\.json$/;

/**
 * The snapshot of `catalog`: every type, its current version, and the JSON
 * Schema (draft 2020-12, zod's input side) of every version it reads.
 *
 * @throws {TypeError} when a schema cannot be expressed as JSON Schema.
 *
 * @example
 * ```ts
 * import { defineEvents } from "@mcb/event-bus";
 * import { snapshotOf } from "@mcb/event-bus/protocol";
 * import * as z from "zod/mini";
 *
 * const events = defineEvents({ "context.updated": z.object({ path: z.string() }) });
 * const snapshot = snapshotOf(events);
 * console.log(snapshot.types["context.updated"].versions["1"].$id);
 * // "urn:mcb:events:context.updated/v1"
 * ```
 */
export function snapshotOf(catalog: EventCatalog): ProtocolSnapshot {
  // fromEntries: a type named "__proto__" stays an own property.
  const types: Record<string, SnapshotType> = Object.fromEntries(
    catalog.types.map((type) => {
      const description = catalog.describe(type);
      return [type, {
        version: catalog.version(type),
        ephemeral: catalog.isEphemeral(type),
        ...(description === undefined ? {} : { description }),
        versions: Object.fromEntries(
          catalog.versions(type).map(({ version }) => [
            version,
            versionJSONSchema(catalog, type, version),
          ]),
        ),
      }];
    }),
  );
  const first = catalog.types[0];
  const schemaBase = first === undefined
    ? undefined
    : catalog.dataschema(first, 1).slice(0, -`${first}/v1`.length);
  return schemaBase === undefined ? { types } : { schemaBase, types };
}

/**
 * The files of a snapshot, by path relative to the snapshot folder, in a
 * stable order (types sorted by name): `catalog.json` and one
 * `<type>/v<N>.schema.json` per type and version. Text is 2-space JSON with
 * a trailing newline.
 *
 * @throws {TypeError} for a type named `catalog.json` (its folder would be
 * the index file).
 *
 * @example
 * ```ts
 * import { defineEvents } from "@mcb/event-bus";
 * import { snapshotFiles, snapshotOf } from "@mcb/event-bus/protocol";
 * import * as z from "zod/mini";
 *
 * const events = defineEvents({ "context.updated": z.object({ path: z.string() }) });
 * console.log([...snapshotFiles(snapshotOf(events)).keys()]);
 * // ["catalog.json", "context.updated/v1.schema.json"]
 * ```
 */
export function snapshotFiles(snapshot: ProtocolSnapshot): Map<string, string> {
  const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const names = Object.keys(snapshot.types).sort();
  const index: [string, unknown][] = [];
  const files = new Map<string, string>();
  for (const type of names) {
    if (type === SNAPSHOT_INDEX) {
      throw new TypeError(
        `snapshotFiles: a type named "${type}" would share its path with the index`,
      );
    }
    const { version, ephemeral, description, versions } = snapshot.types[type];
    const numbers = Object.keys(versions).map(Number).sort((a, b) => a - b);
    index.push([type, {
      version,
      versions: numbers,
      ephemeral,
      ...(description === undefined ? {} : { description }),
    }]);
    for (const n of numbers) {
      files.set(`${type}/v${n}.schema.json`, text(versions[n]));
    }
  }
  const base = snapshot.schemaBase;
  return new Map([
    [
      SNAPSHOT_INDEX,
      text({
        ...(base === undefined ? {} : { schemaBase: base }),
        types: Object.fromEntries(index),
      }),
    ],
    ...files,
  ]);
}

/**
 * Reads a snapshot back from its files through `read` (a path relative to
 * the snapshot folder -> the file's text, or `undefined` when it does not
 * exist).
 *
 * @returns The snapshot, or `undefined` when there is no `catalog.json`.
 * @throws {TypeError} naming the file that is missing or malformed.
 *
 * @example
 * ```ts
 * import { defineEvents } from "@mcb/event-bus";
 * import { snapshotFiles, snapshotFromFiles, snapshotOf } from "@mcb/event-bus/protocol";
 * import * as z from "zod/mini";
 *
 * const events = defineEvents({ "context.updated": z.object({ path: z.string() }) });
 * const files = snapshotFiles(snapshotOf(events));
 * const back = snapshotFromFiles((path) => files.get(path));
 * console.log(back?.types["context.updated"].version); // 1
 * ```
 */
export function snapshotFromFiles(
  read: (path: string) => string | undefined,
): ProtocolSnapshot | undefined {
  const indexText = read(SNAPSHOT_INDEX);
  if (indexText === undefined) return undefined;
  const index = parse(SNAPSHOT_INDEX, indexText);
  const fail = (what: string): never => {
    throw new TypeError(`protocol snapshot: ${SNAPSHOT_INDEX}: ${what}`);
  };
  if (index.schemaBase !== undefined && typeof index.schemaBase !== "string") {
    fail(
      `schemaBase must be a string, got ${JSON.stringify(index.schemaBase)}`,
    );
  }
  if (!isRecord(index.types)) fail(`"types" must be an object`);
  const types: [string, SnapshotType][] = [];
  for (const [type, entry] of Object.entries(index.types as object)) {
    try {
      assertEventType(type);
    } catch (error) {
      fail(`${(error as Error).message}`);
    }
    const e = isRecord(entry) ? entry : fail(`"${type}" must be an object`);
    const whole = (n: unknown) => Number.isInteger(n) && (n as number) >= 1;
    if (!whole(e.version)) fail(`"${type}".version must be an integer >= 1`);
    if (!Array.isArray(e.versions) || !e.versions.every(whole)) {
      fail(`"${type}".versions must be a list of integers >= 1`);
    }
    if (!(e.versions as number[]).includes(e.version as number)) {
      fail(`"${type}".versions must include its version ${e.version}`);
    }
    if (e.ephemeral !== undefined && typeof e.ephemeral !== "boolean") {
      fail(`"${type}".ephemeral must be a boolean`);
    }
    if (e.description !== undefined && typeof e.description !== "string") {
      fail(`"${type}".description must be a string`);
    }
    const versions: Record<string, JSONSchema> = {};
    for (const n of (e.versions as number[]).toSorted((a, b) => a - b)) {
      const path = `${type}/v${n}.schema.json`;
      const text = read(path);
      if (text === undefined) {
        throw new TypeError(
          `protocol snapshot: ${path} is missing (listed in ${SNAPSHOT_INDEX})`,
        );
      }
      versions[n] = parse(path, text);
    }
    types.push([type, {
      version: e.version as number,
      ephemeral: e.ephemeral === true,
      ...(e.description === undefined
        ? {}
        : { description: e.description as string }),
      versions,
    }]);
  }
  const base = index.schemaBase as string | undefined;
  const out = { types: Object.fromEntries(types) };
  return base === undefined ? out : { schemaBase: base, ...out };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parse(path: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(
      `protocol snapshot: ${path} is not JSON: ${(error as Error).message}`,
    );
  }
  if (!isRecord(value)) {
    throw new TypeError(`protocol snapshot: ${path} must hold a JSON object`);
  }
  return value;
}
