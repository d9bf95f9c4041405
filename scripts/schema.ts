/**
 * `deno task schema`: writes what is generated from the settings table
 * (`src/config/settings.ts` and its words, `settings_docs.ts`):
 * the JSON Schema of configuration files,
 * `schema/event-bus-config.schema.json`, and the settings table of the
 * README's "Configuration" section. `tests/config_docs_test.ts` and
 * `tests/config_file_test.ts` fail when either is out of date.
 *
 * @module
 */

import { CONFIG_SCHEMA_FILE, configFileJsonSchema } from "../src/config/mod.ts";
import {
  BUS_SETTINGS,
  envName,
  NATS_SETTINGS,
  type Setting,
} from "../src/config/settings.ts";
import {
  BUS_DOCS,
  NATS_DOCS,
  type SettingDoc,
} from "../src/config/settings_docs.ts";
import { snakeCase } from "../src/config/keys.ts";

/** The file's text, as committed. */
export function schemaText(): string {
  return `${JSON.stringify(configFileJsonSchema(), null, 2)}\n`;
}

/** The header of the README's settings table. */
const HEADER = ["key (file alias)", "env variable", "default", "meaning"];

/** The README's settings table: its rows of cells, header first. */
export function readmeRows(): string[][] {
  const rows: string[][] = [HEADER];
  const section = (
    section: string,
    rowsOf: Record<string, Setting>,
    docs: Record<string, SettingDoc>,
  ) => {
    const keys = Object.entries(rowsOf).flatMap(([key, row]) =>
      row.type === "object"
        ? []
        : row.type === "secret"
        ? [key, `${key}File`]
        : [key]
    );
    for (const key of keys) {
      const row = rowsOf[key] as Setting | undefined;
      const snake = row?.type === "function" ? key : snakeCase(key);
      const prefix = section ? `${section}.` : "";
      const name = `\`${prefix}${key}\`${
        snake === key ? "" : ` (\`${snake}\`)`
      }${
        row === undefined
          ? " (files only)"
          : row.type === "function"
          ? " (code only)"
          : row.only === undefined || prefix !== ""
          ? ""
          : ` (${row.only} only)`
      }`;
      if (row === undefined) {
        const secret = docs[key.slice(0, -"File".length)];
        rows.push([name, "-", "-", secret.file!]);
        continue;
      }
      const doc = docs[key];
      const env = !row.env
        ? "-"
        : `\`${envName(section, key)}\`${
          row.alias === undefined ? "" : ` (alias \`${row.alias}\`)`
        }`;
      const fallback = row.default !== undefined
        ? `\`${JSON.stringify(row.default)}\``
        : doc.shown ?? "-";
      rows.push([name, env, fallback, doc.text]);
    }
  };
  section("", BUS_SETTINGS, BUS_DOCS);
  section("nats", NATS_SETTINGS, NATS_DOCS);
  return rows;
}

/** The table as `deno fmt` writes it (columns padded). */
export function readmeTable(): string {
  const rows = readmeRows();
  const widths = HEADER.map((_, i) =>
    Math.max(...rows.map((r) => r[i].length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(rows[0]),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.slice(1).map(line),
  ].join("\n");
}

/**
 * Where the settings table is in the README: the first table of the
 * "## Configuration" section, as [start, end) offsets.
 */
export function readmeTableSpan(readme: string): [number, number] {
  const section = readme.indexOf("\n## Configuration\n");
  const start = readme.indexOf("\n| ", section) + 1;
  let end = start;
  while (readme.startsWith("|", end)) end = readme.indexOf("\n", end) + 1;
  if (section === -1 || start === 0) {
    throw new Error("README.md: no table in ## Configuration");
  }
  return [start, end - 1];
}

/** The cells of a markdown table's rows, trimmed (the separator skipped). */
export function tableCells(table: string): string[][] {
  return table.split("\n")
    .map((line) => line.slice(1, -1).split(" | ").map((c) => c.trim()))
    .filter((cells) => !cells.every((c) => /^-+$/.test(c)));
}

if (import.meta.main) {
  const url = new URL(`../${CONFIG_SCHEMA_FILE}`, import.meta.url);
  await Deno.writeTextFile(url, schemaText());
  console.log(`wrote ${CONFIG_SCHEMA_FILE}`);
  const readmeUrl = new URL("../README.md", import.meta.url);
  const readme = await Deno.readTextFile(readmeUrl);
  const [start, end] = readmeTableSpan(readme);
  await Deno.writeTextFile(
    readmeUrl,
    readme.slice(0, start) + readmeTable() + readme.slice(end),
  );
  console.log("wrote the settings table of README.md");
}
