/**
 * Testing helpers for transport authors: the conformance suite every
 * `EventBus` transport must pass.
 *
 * @module
 */
export { conformanceCases, conformanceEvents } from "./conformance.ts";
export type {
  CaseContext,
  CaseFn,
  ConformanceBus,
  ConformanceCase,
  ConformanceEvents,
  ConformanceOptions,
  ConformanceSchemas,
} from "./conformance.ts";
export { AssertionError } from "./_assert.ts";
