/**
 * The local transport: one process, web-standard `EventTarget`.
 *
 * @module
 */
export { createLocalEventBus } from "./local_bus.ts";
export type { LocalBusOptions } from "./local_bus.ts";
