/**
 * Testing helpers for transport authors: the conformance suite every
 * `EventBus` transport must pass.
 *
 * @module
 */
export { conformanceCases } from "./conformance.ts";
export type { ConformanceCase, ConformanceOptions } from "./conformance.ts";
export { conformanceEvents } from "./conformance_events.ts";
export type {
  ConformanceBus,
  ConformanceEvents,
  ConformanceSchemas,
} from "./conformance_events.ts";
export type { CaseContext, CaseFn } from "./case_context.ts";
export { AssertionError } from "./_assert.ts";
