// docs/errors.md is checked against the code: every error class an entry
// point of deno.json exports has a section, every section names such a
// class, and each section's import path, parent class and fields are the
// code's. A class counts as an error when Error.prototype is on its
// prototype chain.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

/** A section of docs/errors.md: `## \`Name\`` and its bullet lines. */
interface Section {
  imports: string[];
  extends: string;
  fields: string[];
}

/** An exported error class: where it is exported and what it extends. */
interface Exported {
  imports: string[];
  parent: string;
  ctor: unknown;
}

/** The error classes each public entry of deno.json exports, by name. */
async function exportedErrors(): Promise<Map<string, Exported>> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", root)),
  );
  const out = new Map<string, Exported>();
  for (const [key, path] of Object.entries(config.exports as object)) {
    const specifier = `${config.name}${key === "." ? "" : key.slice(1)}`;
    const module = await import(new URL(path as string, root).href);
    for (const [name, value] of Object.entries(module)) {
      if (
        typeof value !== "function" ||
        !(value.prototype instanceof Error)
      ) continue;
      const entry: Exported = out.get(name) ??
        { imports: [], parent: Object.getPrototypeOf(value).name, ctor: value };
      assert.equal(entry.ctor, value, `${name}: two different classes`);
      entry.imports.push(specifier);
      out.set(name, entry);
    }
  }
  return out;
}

/** The class sections of docs/errors.md, by class name. */
function sections(markdown: string): Map<string, Section> {
  const out = new Map<string, Section>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const heading = /^`(\w+)`\n/.exec(part);
    if (heading === null) continue; // e.g. "NATS client errors"
    const line = (label: string) =>
      new RegExp(`^- \\*\\*${label}:\\*\\* (.*)$`, "m").exec(part)?.[1] ?? "";
    const fields = /^- \*\*Fields:\*\*\s*\n((?: {2}- .*\n(?: {4}.*\n)*)+)/m
      .exec(part)?.[1] ?? "";
    out.set(heading[1], {
      imports: [...line("Import").matchAll(/`([^`]+)`/g)].map((m) => m[1]),
      extends: /`(\w+)`/.exec(line("Extends"))?.[1] ?? "",
      fields: [...fields.matchAll(/^ {2}- `(\w+)`/gm)].map((m) => m[1]),
    });
  }
  return out;
}

/** The public fields a class declares (`readonly x`), from its source. */
async function declaredFields(name: string): Promise<string[]> {
  const files: URL[] = [];
  const walk = async (dir: URL) => {
    for await (const e of Deno.readDir(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) await walk(url);
      else if (e.name.endsWith(".ts")) files.push(url);
    }
  };
  await walk(new URL("src/", root));
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    const start = text.indexOf(`export class ${name} extends `);
    if (start === -1) continue;
    const body = text.slice(start, text.indexOf("\n}\n", start));
    assert.match(body, new RegExp(`this\\.name = "${name}"`), `${name}.name`);
    return [...body.matchAll(/^ {2}(?:declare )?readonly (\w+)/gm)]
      .map((m) => m[1]);
  }
  throw new Error(`no "export class ${name} extends" in src/`);
}

const docs = () =>
  Deno.readTextFile(new URL("docs/errors.md", root)).then(sections);

Deno.test("docs/errors.md has a section for every exported error class, and no other", async () => {
  const exported = await exportedErrors();
  const documented = await docs();
  const missing = [...exported.keys()].filter((n) => !documented.has(n));
  const stale = [...documented.keys()].filter((n) => !exported.has(n));
  assert.deepEqual(missing, [], "exported but not in docs/errors.md");
  assert.deepEqual(stale, [], "in docs/errors.md but not exported");
  // The ones the library is known to throw, so an empty import fails too.
  for (
    const name of [
      "ValidationError",
      "EventTypeError",
      "ConfigError",
      "NatsConnectionError",
      "PublishTimeoutError",
    ]
  ) {
    assert.ok(exported.has(name), name);
  }
});

Deno.test("docs/errors.md: each section's import path, parent class and fields are the code's", async () => {
  const exported = await exportedErrors();
  const documented = await docs();
  for (const [name, section] of documented) {
    const code = exported.get(name);
    if (code === undefined) continue; // reported by the test above
    assert.deepEqual(
      section.imports.sort(),
      code.imports.sort(),
      `${name}: Import`,
    );
    assert.equal(section.extends, code.parent, `${name}: Extends`);
    assert.deepEqual(
      section.fields.sort(),
      (await declaredFields(name)).sort(),
      `${name}: Fields`,
    );
  }
});

Deno.test("the section parser reads what the checks rely on", () => {
  const parsed = sections(
    "# x\n\n## `A`\n\n- **Import:** `p/a`, `p/b`\n- **Extends:** `TypeError`\n- **Fields:**\n  - `one`: the\n    first.\n  - `two`: the second.\n- **What to do:** x\n\n## Other\n\n## `B`\n\n- **Import:** `p`\n- **Extends:** `Error`\n- **Fields:** none besides `name`.\n",
  );
  assert.deepEqual([...parsed.keys()], ["A", "B"]);
  assert.deepEqual(parsed.get("A"), {
    imports: ["p/a", "p/b"],
    extends: "TypeError",
    fields: ["one", "two"],
  });
  assert.deepEqual(parsed.get("B")?.fields, []);
});
