/**
 * The event protocol as data, for tools, other languages and reviews (guide:
 * `docs/protocol.md`):
 *
 * - JSON Schema of each type and version (`catalogJSONSchema`,
 *   `versionJSONSchema`);
 * - a snapshot of a catalog's protocol and the compatibility check between
 *   two snapshots (`snapshotOf`, `checkCompatibility`, modes as in schema
 *   registries), behind `deno task protocol:check` / `protocol:update`;
 * - an AsyncAPI 3.0 document of the catalog on the nats transport
 *   (`asyncApiDocument`) and a Markdown event reference (`eventReference`),
 *   behind `deno task protocol:asyncapi`.
 *
 * @example JSON Schema, and a breaking change caught
 * ```ts
 * import { defineEvents } from "@mcb/event-bus";
 * import {
 *   catalogJSONSchema,
 *   checkCompatibility,
 *   snapshotOf,
 * } from "@mcb/event-bus/protocol";
 * import * as z from "zod/mini";
 *
 * const v1 = defineEvents({ "doc.saved": z.object({ path: z.string() }) });
 * console.log(catalogJSONSchema(v1)["doc.saved"].type); // "object"
 *
 * // A required field added without a new version breaks old events.
 * const v2 = defineEvents({
 *   "doc.saved": z.object({ path: z.string(), bytes: z.int() }),
 * });
 * const breaking = checkCompatibility(snapshotOf(v1), snapshotOf(v2));
 * if (breaking.length === 0) throw new Error("expected a breaking change");
 * ```
 *
 * @module
 */

export {
  catalogJSONSchema,
  schemaToJSONSchema,
  versionJSONSchema,
} from "./json_schema.ts";
export type { JSONSchema, JSONSchemaTarget } from "./json_schema.ts";
export { asyncApiDocument } from "./asyncapi.ts";
export type { AsyncApiOptions } from "./asyncapi.ts";
export type {
  AsyncApiDocument,
  AsyncApiObject,
  AsyncApiServer,
} from "./asyncapi_document.ts";
export { eventReference } from "./event_reference.ts";
export type { EventReferenceOptions } from "./event_reference.ts";
export type { TransportSettings } from "./transport.ts";
export {
  SCHEMA_FILE,
  SNAPSHOT_INDEX,
  snapshotFiles,
  snapshotFromFiles,
  snapshotOf,
} from "./snapshot.ts";
export type { ProtocolSnapshot, SnapshotType } from "./snapshot.ts";
export { snapshotDifferences } from "./snapshot_diff.ts";
export type {
  SnapshotDifference,
  SnapshotDifferenceKind,
} from "./snapshot_diff.ts";
export { checkCompatibility, COMPATIBILITY_MODES } from "./compatibility.ts";
export type {
  BreakingChange,
  BreakingChangeKind,
  CompatibilityMode,
  SchemaIssueKind,
} from "./compatibility.ts";
// The core types the functions above take, so this entry documents alone.
export type {
  CatalogVersion,
  EventCatalog,
  EventSchema,
  SchemaInput,
  SchemaOutput,
} from "../core/catalog.ts";
export type { OlderVersion } from "../core/versions.ts";
