// The keys a configuration file may hold, from the settings table
// (src/config/settings.ts): each setting's key and its snake_case form, but
// not `function` settings, and after a secret its `<key>File`.

import { closest } from "../core/_suggest.ts";
import { BUS_SETTINGS, NATS_SETTINGS, type Setting } from "./settings.ts";

/** The file keys (camelCase) of a table of settings, in its order. */
function fileKeys(rows: object): string[] {
  return Object.entries(rows).flatMap(([key, row]) =>
    (row as Setting).type === "function"
      ? []
      : (row as Setting).type === "secret"
      ? [key, `${key}File`]
      : [key]
  );
}

/** The keys of the event bus section (camelCase, as `parseConfig` takes). */
export const BUS_KEYS: readonly string[] = /* @__PURE__ */ fileKeys(
  BUS_SETTINGS,
);

/** The keys of the `nats` section (camelCase). */
export const NATS_KEYS: readonly string[] = /* @__PURE__ */ fileKeys(
  NATS_SETTINGS,
);

/** `tokenFile` -> `token`: the file keys whose file holds a secret. */
export function secretFileKeys(): [fileKey: string, key: string][] {
  return NATS_KEYS.filter((k) => k.endsWith("File")).map((
    k,
  ) => [k, k.slice(0, -"File".length)]);
}

/** `subjectPrefix` -> `subject_prefix`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * The camelCase key a file key names (`subject_prefix` and `subjectPrefix`
 * both name `subjectPrefix`), or undefined when it names none.
 */
export function canonicalKey(
  key: string,
  known: readonly string[],
): string | undefined {
  if (known.includes(key)) return key;
  return known.find((k) => snakeCase(k) === key);
}

/** The closest known key (for "did you mean"), in the file's style. */
export function suggest(
  key: string,
  known: readonly string[],
): string | undefined {
  const snake = key.includes("_") || key === key.toLowerCase();
  return closest(key, known.map((k) => snake ? snakeCase(k) : k));
}
