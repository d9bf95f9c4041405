/**
 * `loadConfig`'s defaults on Node and Bun (see `src/config/host.ts`):
 * files through `node:fs/promises`, the environment from `process.env`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import process from "node:process";

/** Reads a text file as UTF-8. */
export const readTextFile = (path: string): Promise<string> =>
  readFile(path, "utf8");

/** The environment (`MCB_EVENT_BUS_*` are read from it). */
export const readEnv = (): Record<string, string | undefined> => process.env;
