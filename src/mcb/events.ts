/**
 * The events of Memory Context Browser as a ready catalog.
 *
 * @module
 */

import * as z from "zod/mini";
import {
  defineEvents,
  type EventCatalog,
  type EventSchema,
} from "../core/catalog.ts";
import type * as T from "./types.ts";

/**
 * Memory Context Browser's events: indexing, sync, cache, snapshots, file
 * changes, service lifecycle, configuration, health, metrics and search.
 * Field names follow that system (snake_case). Schemas use `zod/mini`, so
 * the catalog adds little to a bundle.
 *
 * @example
 * ```ts
 * import { createLocalEventBus, mcbEvents } from "@mcb/event-bus";
 *
 * const bus = createLocalEventBus(mcbEvents);
 * bus.subscribe("indexing.*", (e) => console.log(e.type));
 * await bus.publish("indexing.started", { collection: "docs", total_files: 3 });
 * await bus.close();
 * ```
 */
export const mcbEvents: EventCatalog<McbSchemas> =
  // Built by a call marked pure, so a bundle that never reads mcbEvents
  // drops the catalog and its schemas.
  /* @__PURE__ */ buildMcbEvents();

function buildMcbEvents(): EventCatalog<McbSchemas> {
  const count = z.int().check(z.minimum(0));
  const name = z.string().check(z.minLength(1));
  return defineEvents({
    "index.rebuild": {
      description: "A rebuild of the search index was requested.",
      schema: z.object({ collection: z.optional(name) }),
    },
    "indexing.started": {
      description: "Indexing of a collection began.",
      schema: z.object({ collection: name, total_files: count }),
    },
    "indexing.progress": {
      description: "Indexing processed more files.",
      schema: z.object({
        collection: name,
        processed: count,
        total: count,
        current_file: z.optional(z.nullable(z.string())),
      }),
    },
    "indexing.completed": {
      description: "Indexing of a collection finished.",
      schema: z.object({ collection: name, chunks: count, duration_ms: count }),
    },
    "sync.completed": {
      description: "A codebase sync finished.",
      schema: z.object({ path: name, files_changed: count }),
    },
    "cache.invalidate": {
      description: "Caches must drop their entries (one namespace, or all).",
      schema: z.object({ namespace: z.optional(name) }),
    },
    "snapshot.created": {
      description: "A file-system snapshot of a root path was taken.",
      schema: z.object({ root_path: name, file_count: z.optional(count) }),
    },
    "files.changes_detected": {
      description: "File changes were found under a root path.",
      schema: z.object({
        root_path: name,
        added: count,
        modified: count,
        removed: count,
      }),
    },
    "service.state_changed": {
      description: "A service moved from one lifecycle state to another.",
      schema: z.object({
        name,
        state: name,
        previous_state: z.optional(z.nullable(z.string())),
      }),
    },
    "config.reloaded": {
      description: "A configuration section was reloaded.",
      schema: z.object({ section: name }),
    },
    "health.check_completed": {
      description: "A health check over all services finished.",
      schema: z.object({
        status: name,
        healthy_count: count,
        unhealthy_count: count,
      }),
    },
    "metrics.snapshot": {
      description: "Periodic metrics; at-most-once on the nats transport.",
      ephemeral: true,
      schema: z.record(z.string(), z.number()),
    },
    "search.executed": {
      description: "A search ran.",
      schema: z.object({
        query: z.string(),
        collection: name,
        results: count,
        duration_ms: count,
      }),
    },
  });
}

/** The schema of each event type of {@linkcode mcbEvents}. */
export type McbSchemas = {
  /** See {@linkcode T.IndexRebuild}. */
  "index.rebuild": EventSchema<T.IndexRebuild, T.IndexRebuild>;
  /** See {@linkcode T.IndexingStarted}. */
  "indexing.started": EventSchema<T.IndexingStarted, T.IndexingStarted>;
  /** See {@linkcode T.IndexingProgress}. */
  "indexing.progress": EventSchema<T.IndexingProgress, T.IndexingProgress>;
  /** See {@linkcode T.IndexingCompleted}. */
  "indexing.completed": EventSchema<T.IndexingCompleted, T.IndexingCompleted>;
  /** See {@linkcode T.SyncCompleted}. */
  "sync.completed": EventSchema<T.SyncCompleted, T.SyncCompleted>;
  /** See {@linkcode T.CacheInvalidate}. */
  "cache.invalidate": EventSchema<T.CacheInvalidate, T.CacheInvalidate>;
  /** See {@linkcode T.SnapshotCreated}. */
  "snapshot.created": EventSchema<T.SnapshotCreated, T.SnapshotCreated>;
  /** See {@linkcode T.FileChangesDetected}. */
  "files.changes_detected": EventSchema<
    T.FileChangesDetected,
    T.FileChangesDetected
  >;
  /** See {@linkcode T.ServiceStateChanged}. */
  "service.state_changed": EventSchema<
    T.ServiceStateChanged,
    T.ServiceStateChanged
  >;
  /** See {@linkcode T.ConfigReloaded}. */
  "config.reloaded": EventSchema<T.ConfigReloaded, T.ConfigReloaded>;
  /** See {@linkcode T.HealthCheckCompleted}. */
  "health.check_completed": EventSchema<
    T.HealthCheckCompleted,
    T.HealthCheckCompleted
  >;
  /** See {@linkcode T.MetricsSnapshot}. */
  "metrics.snapshot": EventSchema<T.MetricsSnapshot, T.MetricsSnapshot>;
  /** See {@linkcode T.SearchExecuted}. */
  "search.executed": EventSchema<T.SearchExecuted, T.SearchExecuted>;
};

/** The catalog type of {@linkcode mcbEvents}. */
export type McbEvents = EventCatalog<McbSchemas>;
