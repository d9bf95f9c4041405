/**
 * The host's file reader and environment for `loadConfig`, chosen by
 * runtime through package.json `"imports"` (`#config-host`): Deno, Node
 * and Bun get adapters (`adapters/config_host_*.ts`); this web-standard
 * default, for browsers and Workers, has neither, so `loadConfig` there
 * needs `readTextFile` and `env` passed.
 *
 * @module
 */

/** Reads a text file; `undefined` where the runtime has no file system. */
export const readTextFile: ((path: string) => Promise<string>) | undefined =
  undefined;

/** The process environment; `undefined` where the runtime has none. */
export const readEnv: (() => Record<string, string | undefined>) | undefined =
  undefined;
