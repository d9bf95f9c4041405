/**
 * Configuration and the factory: `createEventBus` creates the bus a
 * configuration selects (it knows every transport, so it lives here and not
 * in the root entry, which never loads the NATS client).
 *
 * Configuration files: `loadConfig` reads a JSON, JSONC or TOML file (the
 * whole file, or its `event_bus` / `eventBus` section), layers the
 * `MCB_EVENT_BUS_*` environment and explicit overrides over it, and
 * validates the result. The file reader is passed in, so this entry point
 * works unchanged in Deno, Node 22+ and Bun.
 *
 * ```ts ignore
 * import { loadConfig } from "@mcb/event-bus/config";
 * // Deno
 * const config = await loadConfig({
 *   file: "mcb.toml",
 *   readTextFile: Deno.readTextFile,
 *   env: Deno.env.toObject(),
 * });
 * // Node, Bun: import { readFile } from "node:fs/promises";
 * //   readTextFile: (p) => readFile(p, "utf8"), env: process.env
 * ```
 *
 * @module
 */
export { createEventBus } from "./create_event_bus.ts";
export type { CreateEventBusOptions } from "./create_event_bus.ts";
export { loadConfig } from "./load_config.ts";
export type { LoadConfigOptions, LoadConfigOverrides } from "./load_config.ts";
export { CONFIG_SCHEMA_FILE, configFileJsonSchema } from "./json_schema.ts";
export type { EventBusConfig } from "./config.ts";
