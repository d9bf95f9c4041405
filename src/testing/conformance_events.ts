/**
 * The catalog the conformance suite publishes, and the bus type its cases
 * work with. Imported by the suite (`conformance.ts`) and by its cases
 * (`_*_cases.ts`, through `case_context.ts`), never the other way round.
 *
 * @module
 */

import * as z from "zod/mini";
import type { EventBus } from "../core/bus.ts";
import {
  defineEvents,
  type EventCatalog,
  type EventSchema,
} from "../core/catalog.ts";
import { versioned } from "../core/versions.ts";

/** The schemas of {@linkcode conformanceEvents}. */
export type ConformanceSchemas = {
  /** A path, and a sequence number for ordering checks. */
  "context.updated": EventSchema<{ path: string; n?: number | undefined }>;
  /** A path. */
  "context.deleted": EventSchema<{ path: string }>;
  /** A sequence number and the publisher's name. */
  "index.progress": EventSchema<{ n: number; from?: string | undefined }>;
  /** A three-token type, for `*` vs `>` checks. */
  "index.phase.started": EventSchema<{ phase: string }>;
  /** A type outside the other prefixes. */
  "cache.invalidate": EventSchema<{ namespace?: string | undefined }>;
  /**
   * A versioned type at version 3, readable from versions 1 (`{ path }`)
   * and 2 (`{ path, bytes }`): upcasts add `bytes: 0`, then
   * `lang: "unknown"`.
   */
  "doc.saved": EventSchema<{ path: string; bytes: number; lang: string }>;
};

/** The catalog the suite publishes. */
export const conformanceEvents: EventCatalog<ConformanceSchemas> = defineEvents(
  {
    "context.updated": z.object({ path: z.string(), n: z.optional(z.int()) }),
    "context.deleted": z.object({ path: z.string() }),
    "index.progress": z.object({ n: z.int(), from: z.optional(z.string()) }),
    "index.phase.started": z.object({ phase: z.string() }),
    "cache.invalidate": z.object({ namespace: z.optional(z.string()) }),
    "doc.saved": versioned({
      version: 3,
      schema: z.object({ path: z.string(), bytes: z.int(), lang: z.string() }),
      history: [
        {
          version: 1,
          schema: z.object({ path: z.string() }),
          upcast: (d: { path: string }) => ({ ...d, bytes: 0 }),
        },
        {
          version: 2,
          schema: z.object({ path: z.string(), bytes: z.int() }),
          upcast: (d: { path: string; bytes: number }) => ({
            ...d,
            lang: "unknown",
          }),
        },
      ],
    }),
  },
);

/** The catalog type of {@linkcode conformanceEvents}. */
export type ConformanceEvents = EventCatalog<ConformanceSchemas>;

/** A bus over the suite's catalog. */
export type ConformanceBus = EventBus<ConformanceEvents>;
