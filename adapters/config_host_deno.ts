/**
 * `loadConfig`'s defaults on Deno (see `src/config/host.ts`): files through
 * `Deno.readTextFile`, the environment through `Deno.env`.
 *
 * @module
 */

/** Reads a text file (needs `--allow-read` for it). */
export const readTextFile = (path: string): Promise<string> =>
  Deno.readTextFile(path);

/**
 * The environment (`MCB_EVENT_BUS_*` are read from it).
 *
 * @throws {TypeError} naming the flag when env access is not allowed.
 */
export function readEnv(): Record<string, string | undefined> {
  if (Deno.permissions.querySync({ name: "env" }).state !== "granted") {
    throw new TypeError(
      "loadConfig reads the MCB_EVENT_BUS_* environment variables: run with --allow-env, or pass env (e.g. env: {} to read none)",
    );
  }
  return Deno.env.toObject();
}
