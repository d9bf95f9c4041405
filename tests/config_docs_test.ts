// The settings table of docs/configuration.md and the committed JSON Schema are generated
// from the settings table (src/config/settings.ts); these tests fail when
// either drifts from it (run `deno task schema`).
import assert from "node:assert/strict";
import {
  schemaText,
  SETTINGS_DOC,
  settingsRows,
  settingsTableSpan,
  tableCells,
} from "../scripts/schema.ts";
import {
  BUS_SETTINGS,
  envName,
  NATS_SETTINGS,
} from "../src/config/settings.ts";
import { ENV_ALIASES, ENV_VARIABLES } from "../mod.ts";

const doc = () =>
  Deno.readTextFile(new URL(`../${SETTINGS_DOC}`, import.meta.url));

Deno.test(`${SETTINGS_DOC}: the settings table is the settings table's (deno task schema)`, async () => {
  const text = await doc();
  const [start, end] = settingsTableSpan(text);
  assert.deepEqual(
    tableCells(text.slice(start, end)),
    settingsRows(),
    "run `deno task schema`",
  );
});

Deno.test(`${SETTINGS_DOC}: a changed description is caught`, async () => {
  const text = await doc();
  const [start, end] = settingsTableSpan(text);
  const edited = text.slice(start, end).replace(
    "JetStream stream name.",
    "The stream.",
  );
  assert.notDeepEqual(tableCells(edited), settingsRows());
});

Deno.test(`${SETTINGS_DOC}: a table outside the markers is not taken for it`, () => {
  assert.throws(
    () => settingsTableSpan("# Configuration\n\n| a | b |\n| - | - |\n"),
    /no table between/,
  );
});

Deno.test("schema/event-bus-config.schema.json is the settings table's", async () => {
  const committed = await Deno.readTextFile(
    new URL("../schema/event-bus-config.schema.json", import.meta.url),
  );
  assert.equal(committed, schemaText(), "run `deno task schema`");
  const defs = JSON.parse(committed).$defs;
  for (const [key, row] of Object.entries(NATS_SETTINGS)) {
    const def = defs[`nats.${key}`];
    assert.ok(def, `nats.${key}`);
    assert.deepEqual(def.default, "default" in row ? row.default : undefined);
  }
  for (const key of Object.keys(BUS_SETTINGS)) {
    assert.equal(key === "onError", !(`bus.${key}` in defs), key);
  }
});

Deno.test("every environment variable and alias is a row's", () => {
  const rows = [
    ...Object.entries(BUS_SETTINGS),
    ...Object.entries(NATS_SETTINGS).map(([k, r]) => [`nats.${k}`, r] as const),
  ];
  assert.deepEqual(
    Object.values(ENV_VARIABLES),
    rows.filter(([, row]) => "env" in row).map(([path]) => path),
  );
  for (const [name, path] of Object.entries(ENV_VARIABLES)) {
    const [section, key] = path.includes(".") ? path.split(".") : ["", path];
    assert.equal(envName(section, key), name);
  }
  for (const [alias, name] of Object.entries(ENV_ALIASES)) {
    const path = ENV_VARIABLES[name];
    const row = rows.find(([key]) => key === path)?.[1];
    assert.equal(row && "alias" in row ? row.alias : undefined, alias);
  }
});
