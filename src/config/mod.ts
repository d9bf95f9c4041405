/**
 * Configuration and the factory: `createEventBus` creates the bus a
 * configuration selects (it knows every transport, so it lives here and not
 * in the root entry, which never loads the NATS client).
 *
 * Configuration files: `loadConfig` reads a JSON, JSONC or TOML file (the
 * whole file, or its `event_bus` / `eventBus` section), layers the
 * `MCB_EVENT_BUS_*` environment and explicit overrides over it, and
 * validates the result. The file reader is passed in, so this entry point
 * works unchanged in Deno (`readTextFile: Deno.readTextFile`,
 * `env: Deno.env.toObject()`), Node 22+ and Bun
 * (`readTextFile: (p) => readFile(p, "utf8")` from `node:fs/promises`,
 * `env: process.env`). Every setting is listed in `docs/configuration.md`.
 *
 * @example A TOML file, the environment over it, then the bus
 * ```ts
 * import { mcbEvents } from "@mcb/event-bus";
 * import { createEventBus, loadConfig } from "@mcb/event-bus/config";
 *
 * const files: Record<string, string> = {
 *   "mcb.toml": '[event_bus]\ntransport = "local"\nsource = "/indexer/1"\n',
 * };
 * const config = await loadConfig({
 *   file: "mcb.toml",
 *   readTextFile: (path) => Promise.resolve(files[path]),
 *   env: { MCB_EVENT_BUS_SOURCE: "/indexer/2" },
 * });
 * if (config.source !== "/indexer/2") throw new Error("env wins over file");
 *
 * await using bus = await createEventBus(mcbEvents, config);
 * await bus.publish("cache.invalidate", { namespace: "search" });
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
