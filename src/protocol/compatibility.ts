/**
 * The compatibility gate: compares a catalog's protocol snapshot with a
 * recorded one and lists every breaking change, by type, version and JSON
 * path into `data`, under a compatibility mode named after Confluent Schema
 * Registry's, mapped to event versions.
 *
 * @module
 */
import {
  type Direction,
  readerAccepts,
  type SchemaIssueKind,
} from "./_reader_accepts.ts";

export type { SchemaIssueKind };
import type { ProtocolSnapshot, SnapshotType } from "./snapshot.ts";

/**
 * How a catalog may evolve (Confluent Schema Registry's modes, mapped to
 * versions):
 *
 * - `BACKWARD`: a new consumer reads data of the latest recorded version.
 * - `BACKWARD_TRANSITIVE` (the default): a new consumer reads data of every
 *   recorded version, directly or through upcasts.
 * - `FORWARD`: consumers of the latest recorded version read data of the
 *   current version, validating it against the version they know (as
 *   `newerVersions: "accept-if-valid"` does).
 * - `FORWARD_TRANSITIVE`: consumers of every recorded version do.
 * - `FULL`, `FULL_TRANSITIVE`: both.
 * - `NONE`: no check.
 */
export type CompatibilityMode =
  | "BACKWARD"
  | "BACKWARD_TRANSITIVE"
  | "FORWARD"
  | "FORWARD_TRANSITIVE"
  | "FULL"
  | "FULL_TRANSITIVE"
  | "NONE";

/** Every {@linkcode CompatibilityMode}. */
export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = [
  "BACKWARD",
  "BACKWARD_TRANSITIVE",
  "FORWARD",
  "FORWARD_TRANSITIVE",
  "FULL",
  "FULL_TRANSITIVE",
  "NONE",
];

/**
 * The kind of a {@linkcode BreakingChange}. The reader is the current
 * schema and the writer the recorded one, the other way round in forward
 * checks.
 *
 * - `type-removed`: the catalog lost a type the snapshot has.
 * - `version-removed`: the catalog no longer reads a recorded version.
 * - `version-decreased`: the current version is below a recorded one.
 * - `schema-base-changed`: `schemaBase` moved, so the version URI of
 *   recorded events is no longer recognised.
 * - `required-added`: the reader requires a field, without a default, that
 *   the writer may omit.
 * - `type-changed`: the writer may send a type the reader rejects (the
 *   message says narrowed, widened or changed).
 * - `enum-value-removed`: the reader's `enum` / `const` lacks writer values.
 * - `constraint-narrowed`: a tighter length, size, bound, `pattern`,
 *   `format`, `multipleOf`, or values newly restricted to a list.
 * - `field-removed-strict`: the writer sends a field the reader rejects
 *   (`additionalProperties: false`).
 * - `keyword-changed`: a keyword the gate does not analyse differs.
 * - `too-deep`: nesting deeper than the gate compares.
 */
export type BreakingChangeKind =
  | "type-removed"
  | "version-removed"
  | "version-decreased"
  | "schema-base-changed"
  | SchemaIssueKind;

/** One change that breaks a reader of the recorded protocol. */
export interface BreakingChange {
  /** The event type. */
  type: string;
  /** The version whose data a reader can no longer read. */
  version: number;
  /**
   * Where: a JSON path into the event's `data` (`data.items[].id`), or the
   * envelope attribute at stake (`type`, `dataschema`).
   */
  path: string;
  /** What kind of change. */
  kind: BreakingChangeKind;
  /** What changed, from the recorded schema to the current one. */
  message: string;
}

/**
 * Every breaking change from `previous` (the recorded snapshot) to
 * `current` under `mode`. Whatever the mode but `NONE`, a type the snapshot
 * has and the catalog lost is breaking.
 *
 * Backward, for each checked version `v` of a type: the catalog must still
 * read `v` (`version-removed`, or `version-decreased` when its current
 * version fell below `v`), and its schema of `v` must accept everything the
 * recorded one did. A new version whose history holds the previous one is
 * compatible by construction: the upcast exists. Forward: the recorded
 * schema of each checked version must accept everything the current
 * version's does (messages start with `for v<N> consumers:`).
 *
 * @param previous The recorded snapshot.
 * @param current The catalog's snapshot now.
 * @param mode The compatibility mode.
 * @throws {TypeError} for an unknown mode.
 *
 * @example A field that became required
 * ```ts
 * import { defineEvents } from "@mcb/event-bus";
 * import { checkCompatibility, snapshotOf } from "@mcb/event-bus/protocol";
 * import * as z from "zod/mini";
 *
 * const before = defineEvents({ "context.updated": z.object({ path: z.string() }) });
 * const after = defineEvents({
 *   "context.updated": z.object({ path: z.string(), chunks: z.number() }),
 * });
 * const [change] = checkCompatibility(snapshotOf(before), snapshotOf(after));
 * console.log(change.path, change.kind); // "data.chunks" "required-added"
 * ```
 */
export function checkCompatibility(
  previous: ProtocolSnapshot,
  current: ProtocolSnapshot,
  mode: CompatibilityMode = "BACKWARD_TRANSITIVE",
): BreakingChange[] {
  if (!COMPATIBILITY_MODES.includes(mode)) {
    throw new TypeError(
      `checkCompatibility: mode must be one of ${
        COMPATIBILITY_MODES.join(", ")
      }, got ${JSON.stringify(mode)}`,
    );
  }
  if (mode === "NONE") return [];
  const transitive = mode.endsWith("_TRANSITIVE");
  const backward = !mode.startsWith("FORWARD");
  const forward = !mode.startsWith("BACKWARD");
  const changes: BreakingChange[] = [];
  for (const [type, was] of Object.entries(previous.types)) {
    const now = Object.hasOwn(current.types, type)
      ? current.types[type]
      : undefined;
    if (now === undefined) {
      changes.push({
        type,
        version: was.version,
        path: "type",
        kind: "type-removed",
        message:
          "type removed while the snapshot still has it: its events (live or replayed) would be rejected",
      });
      continue;
    }
    const checked = transitive ? numbers(was) : [was.version];
    if (backward) changes.push(...readsOld(type, was, now, checked));
    if (backward && baseMoved(previous, current, was, now)) {
      changes.push({
        type,
        version: was.version,
        path: "dataschema",
        kind: "schema-base-changed",
        message: `schemaBase changed from ${
          JSON.stringify(previous.schemaBase)
        } to ${
          JSON.stringify(current.schemaBase)
        }: events naming version ${was.version} by its old URI would be read as version ${
          Math.min(...numbers(now))
        }`,
      });
    }
    if (forward) changes.push(...readNew(type, was, now, checked));
  }
  return changes;
}

/** Backward: the current catalog reads data of each checked version. */
function readsOld(
  type: string,
  was: SnapshotType,
  now: SnapshotType,
  checked: number[],
): BreakingChange[] {
  const out: BreakingChange[] = [];
  const read = numbers(now);
  for (const version of checked) {
    const at = { type, version, path: "dataschema" };
    if (version > now.version) {
      out.push({
        ...at,
        kind: "version-decreased",
        message:
          `current version ${now.version} is below the recorded ${version}: consumers would reject version ${version} events as newer than they know`,
      });
    } else if (!read.includes(version)) {
      out.push({
        ...at,
        kind: "version-removed",
        message: `version ${version} is no longer read (oldest read: ${
          Math.min(...read)
        }): its events (from older producers or replayed) would be rejected`,
      });
    } else {
      out.push(
        ...issues(type, version, now.versions[version], was.versions[version]),
      );
    }
  }
  return out;
}

/** Forward: consumers of each checked version read current data. */
function readNew(
  type: string,
  was: SnapshotType,
  now: SnapshotType,
  checked: number[],
): BreakingChange[] {
  return checked.flatMap((v) =>
    issues(
      type,
      now.version,
      was.versions[v],
      now.versions[now.version],
      "forward",
    )
      .map((c) => ({ ...c, message: `for v${v} consumers: ${c.message}` }))
  );
}

function issues(
  type: string,
  version: number,
  reader: SnapshotType["versions"][string] | undefined,
  writer: SnapshotType["versions"][string] | undefined,
  direction: Direction = "backward",
): BreakingChange[] {
  if (reader === undefined || writer === undefined) return [];
  return readerAccepts(reader, writer, direction)
    .map((i) => ({ type, version, ...i }));
}

/**
 * Whether a moved `schemaBase` makes consumers misread a version: events
 * carry the recorded version's URI, and an unknown URI reads as the oldest
 * version, which is only right when that is the recorded one.
 */
function baseMoved(
  previous: ProtocolSnapshot,
  current: ProtocolSnapshot,
  was: SnapshotType,
  now: SnapshotType,
): boolean {
  return previous.schemaBase !== undefined &&
    current.schemaBase !== undefined &&
    previous.schemaBase !== current.schemaBase &&
    was.version > Math.min(...numbers(now));
}

function numbers(entry: SnapshotType): number[] {
  return Object.keys(entry.versions).map(Number).sort((a, b) => a - b);
}
