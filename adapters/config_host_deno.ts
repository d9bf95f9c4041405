/**
 * `loadConfig`'s defaults on Deno (see `src/config/host.ts`): files through
 * `Deno.readTextFile`, the environment through `Deno.env`. (`Deno` is typed
 * here by hand: the npm build compiles this file without Deno's types.)
 *
 * @module
 */

interface DenoHost {
  readTextFile(path: string): Promise<string>;
  env: { toObject(): Record<string, string> };
  permissions: { querySync(descriptor: { name: "env" }): { state: string } };
}

const deno = (globalThis as unknown as { Deno: DenoHost }).Deno;

/** Reads a text file (needs `--allow-read` for it). */
export const readTextFile = (path: string): Promise<string> =>
  deno.readTextFile(path);

/**
 * The environment (`MCB_EVENT_BUS_*` are read from it).
 *
 * @throws {TypeError} naming the flag when env access is not allowed.
 */
export function readEnv(): Record<string, string | undefined> {
  if (deno.permissions.querySync({ name: "env" }).state !== "granted") {
    throw new TypeError(
      "loadConfig reads the MCB_EVENT_BUS_* environment variables: run with --allow-env, or pass env (e.g. env: {} to read none)",
    );
  }
  return deno.env.toObject();
}
