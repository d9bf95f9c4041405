/**
 * The conformance suite every transport must pass, in the spirit of
 * Watermill's universal pub/sub tests: one list of cases, run against each
 * transport's factory. It returns plain `{ name, fn }` cases, so it works
 * with any test runner (`Deno.test`, `node:test`, `bun:test`).
 *
 * @module
 */

import * as z from "zod/mini";
import type { BusOptions } from "../core/base_bus.ts";
import type { ErrorContext, EventBus } from "../core/bus.ts";
import {
  defineEvents,
  type EventCatalog,
  type EventSchema,
} from "../core/catalog.ts";
import { versioned } from "../core/versions.ts";
import { sleep, waitFor } from "./_assert.ts";
import { deliveryCases } from "./_delivery_cases.ts";
import { lifecycleCases } from "./_lifecycle_cases.ts";
import { resumeCases } from "./_resume_cases.ts";
import { versionCases } from "./_version_cases.ts";

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

/** How the suite creates buses and which cases a transport skips. */
export interface ConformanceOptions {
  /**
   * Creates a fresh bus over `conformanceEvents` with the given options
   * (`onError` is always set by the suite). Buses created for one case must
   * not see events of another case.
   */
  createBus(
    options: BusOptions,
  ): ConformanceBus | Promise<ConformanceBus>;
  /** Case name -> why this transport skips it. Every skip needs a reason. */
  skip?: Record<string, string>;
  /**
   * Longest wait for an expected delivery, in milliseconds.
   *
   * @default {5000}
   */
  timeout?: number;
  /**
   * How long to wait before concluding that an event did not arrive.
   *
   * @default {50}
   */
  quietPeriod?: number;
}

/** One case of the suite. */
export interface ConformanceCase {
  /** Starts with the API it tests, e.g. `subscribe() ...`. */
  name: string;
  /** True when the transport skips it. */
  ignore: boolean;
  /** Why it is skipped. */
  reason?: string;
  /** Runs the case; rejects with an `AssertionError` on failure. */
  fn(): Promise<void>;
}

/** What a case gets to work with. */
export interface CaseContext {
  /** Creates a bus (closed automatically after the case). */
  bus(options?: Omit<BusOptions, "onError">): Promise<ConformanceBus>;
  /** Every error reported to `onError` by the case's buses. */
  errors: { error: unknown; context: ErrorContext }[];
  /** Polls until `condition` holds or the suite's timeout passes. */
  waitFor(condition: () => boolean, what: string): Promise<void>;
  /** Waits the quiet period, before asserting that nothing arrived. */
  quiet(): Promise<void>;
}

/** A case body. */
export type CaseFn = (ctx: CaseContext) => Promise<void>;

/**
 * The suite's cases, bound to a transport.
 *
 * Cases whose name starts with `position()` test resuming
 * (`bus.position(event)` and `from: { after }`); a transport (or a
 * configuration, such as a local bus without `history`) that keeps no
 * history skips them with a reason.
 *
 * @param options The transport's factory and skips.
 * @returns One entry per case, to register with a test runner.
 * @throws {TypeError} when a skip names no case or gives no reason.
 *
 * @example Running the suite with Deno.test
 * ```ts ignore
 * import { createLocalEventBus } from "@mcb/event-bus";
 * import { conformanceCases, conformanceEvents } from "@mcb/event-bus/testing";
 *
 * for (const c of conformanceCases({
 *   createBus: (options) => createLocalEventBus(conformanceEvents, options),
 * })) {
 *   Deno.test({ name: `local: ${c.name}`, ignore: c.ignore, fn: c.fn });
 * }
 * ```
 */
export function conformanceCases(
  options: ConformanceOptions,
): ConformanceCase[] {
  const all: Record<string, CaseFn> = {
    ...deliveryCases,
    ...lifecycleCases,
    ...resumeCases,
    ...versionCases,
  };
  const skip = options.skip ?? {};
  for (const [name, reason] of Object.entries(skip)) {
    if (!(name in all)) throw new TypeError(`skip: no case named "${name}"`);
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new TypeError(`skip: "${name}" needs a reason`);
    }
  }
  const timeout = options.timeout ?? 5000;
  const quietPeriod = options.quietPeriod ?? 50;
  return Object.entries(all).map(([name, body]) => ({
    name,
    ignore: name in skip,
    reason: skip[name],
    fn: async () => {
      const buses: ConformanceBus[] = [];
      const ctx: CaseContext = {
        errors: [],
        bus: async (busOptions) => {
          const bus = await options.createBus({
            ...busOptions,
            onError: (error, context) => ctx.errors.push({ error, context }),
          });
          buses.push(bus);
          return bus;
        },
        waitFor: (condition, what) => waitFor(condition, what, timeout),
        quiet: () => sleep(quietPeriod),
      };
      try {
        await body(ctx);
      } finally {
        await Promise.all(buses.map((bus) => bus.close()));
      }
    },
  }));
}
