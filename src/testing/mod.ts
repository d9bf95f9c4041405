/**
 * Testing helpers for transport authors: the conformance suite every
 * `EventBus` transport must pass. {@linkcode conformanceCases} returns plain
 * `{ name, ignore, reason, fn }` objects, so any test runner can register
 * them; every skip must carry a reason. See `docs/conformance.md`.
 *
 * @example Run the suite against the local transport
 * ```ts
 * import { createLocalEventBus } from "@mcb/event-bus";
 * import { conformanceCases, conformanceEvents } from "@mcb/event-bus/testing";
 *
 * const cases = conformanceCases({
 *   createBus: (options) =>
 *     createLocalEventBus(conformanceEvents, { ...options, history: 64 }),
 * });
 * // In a test file: for (const c of cases) Deno.test({ name: c.name, ignore: c.ignore, fn: c.fn });
 * const first = cases.find((c) => !c.ignore)!;
 * await first.fn(); // rejects with an AssertionError on failure
 * if (cases.length < 20) throw new Error("the suite has more cases");
 * ```
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
