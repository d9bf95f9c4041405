/**
 * What a conformance case gets and is: {@linkcode CaseContext} and
 * {@linkcode CaseFn}. Types only; the cases (`_*_cases.ts`) and the suite
 * (`conformance.ts`) import them from here.
 *
 * @module
 */

import type { BusOptions } from "../core/base_bus.ts";
import type { ErrorContext } from "../core/bus.ts";
import type { ConformanceBus } from "./conformance_events.ts";

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
