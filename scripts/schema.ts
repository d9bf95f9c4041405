/**
 * `deno task schema`: writes the JSON Schema of configuration files,
 * generated from the config's field tables, to
 * `schema/event-bus-config.schema.json`.
 *
 * @module
 */

import {
  CONFIG_SCHEMA_FILE,
  configFileJsonSchema,
} from "../src/config_file/mod.ts";

/** The file's text, as committed. */
export function schemaText(): string {
  return `${JSON.stringify(configFileJsonSchema(), null, 2)}\n`;
}

if (import.meta.main) {
  const url = new URL(`../${CONFIG_SCHEMA_FILE}`, import.meta.url);
  await Deno.writeTextFile(url, schemaText());
  console.log(`wrote ${CONFIG_SCHEMA_FILE}`);
}
