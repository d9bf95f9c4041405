// The compatibility gate: snapshots of fixture catalogs (zod classic and
// mini) compared under each mode, the snapshot's files, the committed
// protocol/mcb snapshot, and scripts/protocol.ts (protocol:check/update).
import assert from "node:assert/strict";
import { z } from "zod";
import { defineEvents, type EventCatalog, versioned } from "../mod.ts";
import { mcbEvents } from "../src/mcb/mod.ts";
import {
  type BreakingChange,
  checkCompatibility,
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  SCHEMA_FILE,
  snapshotDifferences,
  snapshotFiles,
  snapshotFromFiles,
  snapshotOf,
} from "../src/protocol/mod.ts";
import * as classic from "./fixtures/protocol/classic.ts";
import * as mini from "./fixtures/protocol/mini.ts";

const ROOT = new URL("../", import.meta.url);

function check(
  previous: EventCatalog,
  current: EventCatalog,
  mode?: CompatibilityMode,
): BreakingChange[] {
  return checkCompatibility(snapshotOf(previous), snapshotOf(current), mode);
}

/** `<type> v<version> <path> <kind>` per change. */
function lines(changes: BreakingChange[]): string[] {
  return changes.map((c) => `${c.type} v${c.version} ${c.path} ${c.kind}`);
}

for (const [flavor, f] of [["classic", classic], ["mini", mini]] as const) {
  Deno.test(`${flavor}: a required field without a default is breaking`, () => {
    const changes = check(f.v1, f.requiredAdded);
    assert.deepEqual(lines(changes), [
      "context.updated v1 data.chunks required-added",
    ]);
    assert.equal(changes[0].message, "new required field without a default");
  });

  Deno.test(`${flavor}: number -> integer is reported as a narrowing`, () => {
    const changes = check(f.v1, f.narrowedToInt);
    assert.deepEqual(lines(changes), [
      "context.updated v1 data.score type-changed",
    ]);
    assert.equal(changes[0].message, "type narrowed from number to integer");
  });

  Deno.test(`${flavor}: a removed enum value is named`, () => {
    const changes = check(f.v1, f.enumValueRemoved);
    assert.deepEqual(lines(changes), [
      "context.updated v1 data.mode enum-value-removed",
    ]);
    assert.equal(changes[0].message, 'enum value "incremental" removed');
  });

  Deno.test(`${flavor}: compatible changes pass every backward mode`, () => {
    for (const mode of ["BACKWARD", "BACKWARD_TRANSITIVE"] as const) {
      assert.deepEqual(check(f.v1, f.compatible, mode), [], mode);
    }
  });
}

Deno.test("classic and mini schemas of the same shape are the same protocol", () => {
  assert.deepEqual(snapshotOf(classic.v1), snapshotOf(mini.v1));
  assert.deepEqual(check(classic.v1, mini.v1, "FULL_TRANSITIVE"), []);
});

Deno.test("a field's type changed is breaking", () => {
  const changes = check(classic.v1, classic.typeChanged);
  assert.deepEqual(lines(changes), [
    "context.updated v1 data.path type-changed",
  ]);
  assert.equal(changes[0].message, "type changed from string to number");
});

Deno.test("a type removed while the snapshot still has it is breaking", () => {
  for (const mode of ["BACKWARD", "FORWARD", "FULL_TRANSITIVE"] as const) {
    assert.deepEqual(lines(check(classic.v1, classic.typeRemoved, mode)), [
      "context.deleted v1 type type-removed",
    ]);
  }
});

Deno.test("a change inside an array of objects names the element's field", () => {
  assert.deepEqual(lines(check(classic.v1, classic.nestedChanged)), [
    "context.updated v1 data.items[].id type-changed",
  ]);
  const [uuid] = check(mini.v1, mini.nestedNarrowed);
  assert.equal(uuid.path, "data.items[].id");
  assert.equal(uuid.kind, "constraint-narrowed");
  assert.match(uuid.message, /^constraints narrowed: format none -> "uuid"/);
});

Deno.test("tighter constraints and strict objects are breaking", () => {
  const [bound] = check(classic.v1, classic.constraintNarrowed);
  assert.deepEqual(bound, {
    type: "context.updated",
    version: 1,
    path: "data.count",
    kind: "constraint-narrowed",
    message: "constraints narrowed: lower bound >=1 -> >=5",
  });
  assert.deepEqual(lines(check(mini.strict, mini.strictFieldRemoved)), [
    "context.deleted v1 data.reason field-removed-strict",
  ]);
});

Deno.test("compatible changes are listed as differences, not breaking", () => {
  assert.deepEqual(check(classic.v1, classic.compatible), []);
  const differences = snapshotDifferences(
    snapshotOf(classic.v1),
    snapshotOf(classic.compatible),
  );
  assert.deepEqual(differences.map((d) => d.message), [
    "schema of context.updated v1 changed",
    "description of context.deleted changed",
    "new type context.renamed",
  ]);
});

Deno.test("a new version with an upcast is compatible in every mode", () => {
  for (const mode of COMPATIBILITY_MODES) {
    assert.deepEqual(check(classic.v1, classic.v2, mode), [], mode);
  }
  assert.deepEqual(
    snapshotDifferences(snapshotOf(classic.v1), snapshotOf(classic.v2))
      .map((d) => d.message),
    [
      "current version of context.updated changed from 1 to 2",
      "new version 2 of context.updated",
    ],
  );
});

Deno.test("a version dropped from history breaks BACKWARD_TRANSITIVE only", () => {
  const changes = check(classic.v2, classic.v3);
  assert.deepEqual(lines(changes), [
    "context.updated v1 dataschema version-removed",
  ]);
  assert.match(changes[0].message, /version 1 is no longer read/);
  assert.deepEqual(check(classic.v2, classic.v3, "BACKWARD"), []);
});

Deno.test("a current version below the recorded one is breaking", () => {
  assert.deepEqual(lines(check(classic.v2, classic.v1)), [
    "context.updated v2 dataschema version-decreased",
  ]);
});

Deno.test("a moved schemaBase breaks types whose recorded version is not the oldest", () => {
  assert.deepEqual(lines(check(classic.v2, classic.v2Moved)), [
    "context.updated v2 dataschema schema-base-changed",
  ]);
});

Deno.test("FORWARD: old consumers validate new data against their version", () => {
  // Backward-compatible, but not forward: a new enum value, a widening.
  const forward = check(classic.v1, classic.compatible, "FORWARD");
  assert.deepEqual(lines(forward), [
    "context.updated v1 data.mode enum-value-removed",
    "context.updated v1 data.count type-changed",
  ]);
  assert.equal(
    forward[0].message,
    'for v1 consumers: enum value "dry-run" added',
  );
  assert.equal(
    forward[1].message,
    "for v1 consumers: type widened from integer to number",
  );
  assert.deepEqual(check(classic.v1, classic.compatible, "FULL"), forward);
  // A required field added breaks backward, not forward.
  assert.deepEqual(check(classic.v1, classic.requiredAdded, "FORWARD"), []);
  assert.deepEqual(lines(check(classic.v1, classic.requiredAdded, "FULL")), [
    "context.updated v1 data.chunks required-added",
  ]);
});

Deno.test("FORWARD_TRANSITIVE: consumers of every recorded version", () => {
  const mode = z.enum(["full", "incremental"]);
  const events = defineEvents({
    "context.updated": versioned({
      version: 2,
      schema: z.object({ mode: z.enum(["full", "incremental", "dry-run"]) }),
      history: [{
        version: 1,
        schema: z.object({ mode }),
        upcast: (d: { mode: string }) => d,
      }],
    }),
  });
  assert.deepEqual(check(events, events, "FORWARD"), []);
  const changes = check(events, events, "FULL_TRANSITIVE");
  assert.deepEqual(lines(changes), [
    "context.updated v2 data.mode enum-value-removed",
  ]);
  assert.equal(
    changes[0].message,
    'for v1 consumers: enum value "dry-run" added',
  );
});

Deno.test("NONE reports nothing", () => {
  assert.deepEqual(check(classic.v1, classic.typeRemoved, "NONE"), []);
  assert.deepEqual(check(classic.v1, classic.requiredAdded, "NONE"), []);
  assert.throws(
    () => check(classic.v1, classic.v1, "LOOSE" as CompatibilityMode),
    /mode must be one of .*got "LOOSE"/,
  );
});

Deno.test("unions: nullability, alternatives, discriminated branches", () => {
  const shape = z.object({ x: z.string() });
  const before = defineEvents({
    t: z.object({
      maybe: shape.nullable(),
      either: z.union([z.string(), z.number()]),
      action: z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("move"), to: z.string() }),
        z.object({ kind: z.literal("resize"), size: z.number() }),
      ]),
      pattern: z.string().startsWith("ab").endsWith("z"),
    }),
  });
  const after = defineEvents({
    t: z.object({
      maybe: shape,
      either: z.string(),
      action: z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("move"), to: z.string() }),
        z.object({ kind: z.literal("resize"), size: z.int() }),
      ]),
      pattern: z.string().startsWith("ab"),
    }),
  });
  assert.deepEqual(check(before, before, "FULL"), []);
  assert.deepEqual(
    check(before, after).map((c) => `${c.path}: ${c.message}`),
    [
      "data.maybe: type narrowed from object|null to object",
      "data.either: type narrowed from string|number to string",
      "data.action.size: type narrowed from number to integer",
    ],
  );
  // Dropping one of two patterns widens: breaking only forward.
  assert.deepEqual(
    check(before, after, "FORWARD").map((c) => `${c.path}: ${c.message}`),
    [
      "data.pattern: for v1 consumers: constraints widened: pattern /.*z$/ -> none",
    ],
  );
});

Deno.test("recursive schemas ($ref) are compared once per level", () => {
  interface Tree {
    name: string;
    children: Tree[];
  }
  const tree: z.ZodType<Tree> = z.object({
    name: z.string(),
    get children() {
      return z.array(tree);
    },
  });
  interface Renamed {
    name: number;
    children: Renamed[];
  }
  const renamed: z.ZodType<Renamed> = z.object({
    name: z.number(),
    get children() {
      return z.array(renamed);
    },
  });
  assert.deepEqual(
    check(defineEvents({ tree }), defineEvents({ tree }), "FULL"),
    [],
  );
  const changes = check(
    defineEvents({ tree }),
    defineEvents({ tree: renamed }),
  );
  assert.deepEqual(lines(changes), [
    "tree v1 data.name type-changed",
    "tree v1 data.children[].name type-changed",
  ]);
});

Deno.test("snapshot files: one schema per type and version, read back as written", () => {
  const snapshot = snapshotOf(classic.v2);
  const files = snapshotFiles(snapshot);
  assert.deepEqual([...files.keys()], [
    "catalog.json",
    "context.deleted/v1.schema.json",
    "context.updated/v1.schema.json",
    "context.updated/v2.schema.json",
  ]);
  const v2 = JSON.parse(files.get("context.updated/v2.schema.json")!);
  assert.equal(v2.$id, classic.v2.dataschema("context.updated", 2));
  assert.deepEqual(JSON.parse(files.get("catalog.json")!), {
    schemaBase: "urn:mcb:events:",
    types: {
      "context.deleted": {
        version: 1,
        versions: [1],
        ephemeral: false,
        description: "A context was deleted.",
      },
      "context.updated": { version: 2, versions: [1, 2], ephemeral: false },
    },
  });
  for (const [path, text] of files) {
    assert.ok(text.endsWith("}\n"), path);
    assert.ok(path === "catalog.json" || SCHEMA_FILE.test(path), path);
  }
  assert.deepEqual(snapshotFromFiles((p) => files.get(p)), snapshot);
  assert.equal(snapshotFromFiles(() => undefined), undefined);
  const missing = new Map(files);
  missing.delete("context.updated/v1.schema.json");
  assert.throws(
    () => snapshotFromFiles((p) => missing.get(p)),
    /context\.updated\/v1\.schema\.json is missing/,
  );
  const escaping = JSON.stringify({
    types: { "../x": { version: 1, versions: [1] } },
  });
  assert.throws(
    () => snapshotFromFiles((p) => p === "catalog.json" ? escaping : "{}"),
    /catalog\.json: .*"\.\.\/x"/,
  );
});

Deno.test("protocol/mcb is the snapshot of mcbEvents", async () => {
  const dir = new URL("protocol/mcb/", ROOT);
  const expected = snapshotFiles(snapshotOf(mcbEvents));
  const hint = "protocol/mcb is out of date: run `deno task protocol:update`";
  for (const [path, text] of expected) {
    let committed: string | undefined;
    try {
      committed = await Deno.readTextFile(new URL(path, dir));
    } catch {
      committed = undefined;
    }
    assert.equal(committed, text, `${hint} (${path})`);
  }
  for await (const type of Deno.readDir(dir)) {
    if (!type.isDirectory) continue;
    for await (const file of Deno.readDir(new URL(`${type.name}/`, dir))) {
      const path = `${type.name}/${file.name}`;
      if (SCHEMA_FILE.test(path)) {
        assert.ok(expected.has(path), `${hint} (stale ${path})`);
      }
    }
  }
});

async function cli(args: string[], permissions = ["--allow-read"]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, "scripts/protocol.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

async function writeSnapshot(dir: string, catalog: EventCatalog) {
  for (const [path, text] of snapshotFiles(snapshotOf(catalog))) {
    const file = `${dir}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
}

const FIXTURE = "tests/fixtures/protocol/classic.ts";

Deno.test("protocol check: exits 1 and names each breaking change", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSnapshot(dir, classic.v1);
    const broken = await cli([
      "check",
      "--catalog",
      `${FIXTURE}#requiredAdded`,
      "--dir",
      dir,
    ]);
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(
      broken.stdout,
      /^BREAKING context\.updated v1 data\.chunks: new required field without a default \(required-added\)$/m,
    );
    assert.match(broken.stdout, /1 breaking change under BACKWARD_TRANSITIVE/);
    const ok = await cli([
      "check",
      `--catalog=${FIXTURE}#compatible`,
      `--dir=${dir}`,
      "--mode",
      "BACKWARD",
    ]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /compatible under BACKWARD: .*0 breaking changes/);
    assert.match(ok.stdout, /^ {2}new type context\.renamed$/m);
    assert.match(ok.stdout, /schema of context\.updated v1 changed compatibly/);
    assert.match(ok.stdout, /deno task protocol:update/);
    const none = await cli(["check", "--dir", `${dir}/nowhere`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no snapshot in .*deno task protocol:update/);
    const usage = await cli(["check", "--mode", "SIDEWAYS"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--mode must be one of/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("protocol update: records the catalog and removes stale schemas", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSnapshot(dir, classic.v2);
    await Deno.writeTextFile(`${dir}/notes.md`, "kept\n");
    const write = [`--allow-write=${dir}`, "--allow-read"];
    const updated = await cli(
      ["update", "--catalog", `${FIXTURE}#v3`, "--dir", dir],
      write,
    );
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(
      updated.stdout,
      /recorded on purpose: BREAKING .*v1 dataschema/,
    );
    assert.match(updated.stdout, /context\.updated no longer reads version 1/);
    const left = snapshotFromFiles((p) => {
      try {
        return Deno.readTextFileSync(`${dir}/${p}`);
      } catch {
        return undefined;
      }
    });
    assert.deepEqual(left, snapshotOf(classic.v3));
    await assert.rejects(Deno.stat(`${dir}/context.updated/v1.schema.json`));
    assert.equal(await Deno.readTextFile(`${dir}/notes.md`), "kept\n");
    const again = await cli(
      ["update", "--catalog", `${FIXTURE}#v3`, "--dir", dir],
      write,
    );
    assert.match(again.stdout, /is up to date/);
    const checked = await cli([
      "check",
      "--catalog",
      `${FIXTURE}#v3`,
      "--dir",
      dir,
    ]);
    assert.equal(checked.code, 0, checked.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
