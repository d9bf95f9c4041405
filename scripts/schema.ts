/**
 * `deno task schema`: writes what is generated from the settings table
 * (`src/config/settings.ts` and its words, `settings_docs.ts`):
 * the JSON Schema of configuration files,
 * `schema/event-bus-config.schema.json`, and the settings table of
 * `docs/configuration.md` (between its `settings-table` markers). `tests/config_docs_test.ts` and
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

/** The file that holds the generated settings table. */
export const SETTINGS_DOC = "docs/configuration.md";

/** The markers around the generated table in {@linkcode SETTINGS_DOC}. */
const START_MARKER = "<!-- settings-table";
const END_MARKER = "<!-- /settings-table -->";

/** The header of the settings table. */
const HEADER = ["key (file alias)", "env variable", "default", "meaning"];

/** The settings table: its rows of cells, header first. */
export function settingsRows(): string[][] {
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
export function settingsTable(): string {
  const rows = settingsRows();
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
 * Where the settings table is in {@linkcode SETTINGS_DOC}: the table
 * between the `<!-- settings-table ... -->` and `<!-- /settings-table -->`
 * markers, as [start, end) offsets.
 */
export function settingsTableSpan(doc: string): [number, number] {
  const open = doc.indexOf(START_MARKER);
  const close = doc.indexOf(END_MARKER, open);
  const start = doc.indexOf("\n| ", open) + 1;
  let end = start;
  while (doc.startsWith("|", end)) end = doc.indexOf("\n", end) + 1;
  if (open === -1 || close === -1 || start === 0 || end > close) {
    throw new Error(
      `${SETTINGS_DOC}: no table between "${START_MARKER} ..." and "${END_MARKER}"`,
    );
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
  const docUrl = new URL(`../${SETTINGS_DOC}`, import.meta.url);
  const doc = await Deno.readTextFile(docUrl);
  const [start, end] = settingsTableSpan(doc);
  await Deno.writeTextFile(
    docUrl,
    doc.slice(0, start) + settingsTable() + doc.slice(end),
  );
  console.log(`wrote the settings table of ${SETTINGS_DOC}`);
}
