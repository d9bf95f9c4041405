/**
 * The conformance suite every transport must pass, in the spirit of
 * Watermill's universal pub/sub tests: one list of cases, run against each
 * transport's factory. It returns plain `{ name, fn }` cases, so it works
 * with any test runner (`Deno.test`, `node:test`, `bun:test`).
 *
 * @module
 */

import type { BusOptions } from "../core/base_bus.ts";
import { sleep, waitFor } from "./_assert.ts";
import type { CaseContext, CaseFn } from "./case_context.ts";
import {
  type ConformanceBus,
  type ConformanceEvents,
  conformanceEvents,
  type ConformanceSchemas,
} from "./conformance_events.ts";
import { catchUpCases } from "./_catch_up_cases.ts";
import { deliveryCases } from "./_delivery_cases.ts";
import { lifecycleCases } from "./_lifecycle_cases.ts";
import { resumeCases } from "./_resume_cases.ts";
import { versionCases } from "./_version_cases.ts";

export { conformanceEvents };
export type {
  CaseContext,
  CaseFn,
  ConformanceBus,
  ConformanceEvents,
  ConformanceSchemas,
};

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

/**
 * The suite's cases, bound to a transport.
 *
 * Cases whose name starts with `position()` test resuming
 * (`bus.position(event)` and `from: { after }`), and those starting with
 * `caughtUp` the end of a replay (`from: "all"`, `Subscription.caughtUp`);
 * a transport (or a configuration, such as a local bus without `history`)
 * that keeps no history skips both with a reason.
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
    ...catchUpCases,
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
