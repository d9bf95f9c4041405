/**
 * What differs between two protocol snapshots, breaking or not: what
 * `protocol:update` would record.
 *
 * @module
 */
import type { ProtocolSnapshot } from "./snapshot.ts";

/** The kind of a {@linkcode SnapshotDifference}. */
export type SnapshotDifferenceKind =
  | "schema-base-changed"
  | "type-added"
  | "type-removed"
  | "version-changed"
  | "version-added"
  | "version-removed"
  | "schema-changed"
  | "description-changed"
  | "ephemeral-changed";

/** One difference between two snapshots. */
export interface SnapshotDifference {
  /** What kind of difference. */
  kind: SnapshotDifferenceKind;
  /** The event type, unless the difference is catalog-wide. */
  type?: string;
  /** The version concerned, if one is. */
  version?: number;
  /** A short description, e.g. `new version 2 of context.updated`. */
  message: string;
}

/**
 * Every difference from `previous` to `current`, types in `current`'s
 * order then removed ones, whether breaking or not (see
 * `checkCompatibility` for which are breaking).
 *
 * @example
 * ```ts
 * import { defineEvents } from "@mcb/event-bus";
 * import { snapshotDifferences, snapshotOf } from "@mcb/event-bus/protocol";
 * import * as z from "zod/mini";
 *
 * const before = defineEvents({ "context.updated": z.object({ path: z.string() }) });
 * const after = defineEvents({
 *   "context.updated": z.object({ path: z.string() }),
 *   "context.deleted": z.object({ path: z.string() }),
 * });
 * const [difference] = snapshotDifferences(snapshotOf(before), snapshotOf(after));
 * console.log(difference.message); // "new type context.deleted"
 * ```
 */
export function snapshotDifferences(
  previous: ProtocolSnapshot,
  current: ProtocolSnapshot,
): SnapshotDifference[] {
  const out: SnapshotDifference[] = [];
  if (previous.schemaBase !== current.schemaBase) {
    out.push({
      kind: "schema-base-changed",
      message: `schemaBase changed from ${
        JSON.stringify(previous.schemaBase ?? null)
      } to ${JSON.stringify(current.schemaBase ?? null)}`,
    });
  }
  for (const [type, now] of Object.entries(current.types)) {
    const was = Object.hasOwn(previous.types, type)
      ? previous.types[type]
      : undefined;
    if (was === undefined) {
      out.push({ kind: "type-added", type, message: `new type ${type}` });
      continue;
    }
    if (was.version !== now.version) {
      out.push({
        kind: "version-changed",
        type,
        version: now.version,
        message:
          `current version of ${type} changed from ${was.version} to ${now.version}`,
      });
    }
    const numbers = new Set(
      [...Object.keys(was.versions), ...Object.keys(now.versions)].map(Number),
    );
    for (const version of [...numbers].sort((a, b) => a - b)) {
      const [before, after] = [was.versions[version], now.versions[version]];
      const at = { type, version };
      if (before === undefined) {
        out.push({
          ...at,
          kind: "version-added",
          message: `new version ${version} of ${type}`,
        });
      } else if (after === undefined) {
        out.push({
          ...at,
          kind: "version-removed",
          message: `${type} no longer reads version ${version}`,
        });
      } else if (JSON.stringify(before) !== JSON.stringify(after)) {
        out.push({
          ...at,
          kind: "schema-changed",
          message: `schema of ${type} v${version} changed`,
        });
      }
    }
    if (was.description !== now.description) {
      out.push({
        kind: "description-changed",
        type,
        message: `description of ${type} changed`,
      });
    }
    if (was.ephemeral !== now.ephemeral) {
      out.push({
        kind: "ephemeral-changed",
        type,
        message: `${type} is ${now.ephemeral ? "now" : "no longer"} ephemeral`,
      });
    }
  }
  for (const type of Object.keys(previous.types)) {
    if (!Object.hasOwn(current.types, type)) {
      out.push({ kind: "type-removed", type, message: `type ${type} removed` });
    }
  }
  return out;
}
