// docs/outbox.md's complete examples, run as written from a scratch
// directory outside the checkout, with the Deno quick start's import map
// plus the outbox entry. The page marks them with HTML comments:
//
//   <!-- outbox:example file=NAME [env=VAR] -->   the program (next block)
//   <!-- outbox:output file=NAME -->              what it prints
//
// `env=DATABASE_URL` gets the URL of a private PostgreSQL these tests start.
// The read model adds each event's chunks, so an event handled twice (the
// SQLite program publishes one again on purpose) would change the output.
import assert from "node:assert/strict";
import { startPostgres } from "./postgres_server.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PAGE = await Deno.readTextFile(`${ROOT}docs/outbox.md`);

interface Example {
  file: string;
  env?: string;
  code: string;
  output?: string;
}

/** The marked blocks of the page, by file name. */
function examples(page: string): Map<string, Example> {
  const out = new Map<string, Example>();
  const lines = page.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- outbox:(example|output) file=([\w.]+)(?: env=(\w+))? -->$/
      .exec(lines[i]);
    if (!m) continue;
    const start = lines.findIndex((l, j) => j > i && l.startsWith("```"));
    const end = lines.indexOf("```", start + 1);
    const text = lines.slice(start + 1, end).join("\n") + "\n";
    const entry = out.get(m[2]) ?? { file: m[2], code: "" };
    if (m[1] === "example") Object.assign(entry, { code: text, env: m[3] });
    else entry.output = text;
    out.set(m[2], entry);
    i = end;
  }
  return out;
}

const locked = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).imports;
const importMap = {
  imports: {
    "@mcb/event-bus": `${ROOT}mod.ts`,
    "@mcb/event-bus/config": `${ROOT}src/config/mod.ts`,
    "@mcb/event-bus/outbox": `${ROOT}src/outbox/mod.ts`,
    "#nats-socket": `${ROOT}adapters/nats_socket_deno.ts`,
    "#config-host": `${ROOT}adapters/config_host_deno.ts`,
    "zod": "npm:zod@^4",
    "postgres": locked.postgres,
  },
};

async function runExample(example: Example, env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "outbox-docs-" });
  assert.ok(!dir.startsWith(ROOT), `${dir} is inside the checkout`);
  try {
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(importMap));
    await Deno.writeTextFile(`${dir}/${example.file}`, example.code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--check", "-A", example.file], // type-checked as well
      cwd: dir,
      env: { NO_COLOR: "1", ...env },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `${example.file} failed:\n${stderr}`);
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const found = examples(PAGE);

Deno.test("docs/outbox.md marks two complete examples, each with its output", () => {
  assert.deepEqual([...found.keys()].sort(), ["indexer.ts", "postgres.ts"]);
  for (const e of found.values()) {
    assert.ok(e.code.includes("createOutbox"), e.file);
    assert.ok(e.code.includes("idempotent"), e.file);
    assert.ok(e.output, `${e.file} has no output block`);
  }
});

Deno.test("docs/outbox.md: the SQLite indexer and read model print what the page says", async () => {
  const example = found.get("indexer.ts")!;
  assert.equal(await runExample(example, {}), example.output);
});

Deno.test("docs/outbox.md: the PostgreSQL indexer and read model print what the page says", async () => {
  const example = found.get("postgres.ts")!;
  assert.equal(example.env, "DATABASE_URL");
  await using server = await startPostgres();
  assert.equal(
    await runExample(example, { DATABASE_URL: server.url }),
    example.output,
  );
});
