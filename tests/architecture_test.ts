// Keeps the architecture honest: src/ uses web-standard APIs only, layers
// depend one way, and the main entry point loads no NATS code.
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

async function* sourceFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

/** Static imports that survive compilation (`import type` is erased). */
function staticImports(code: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+"([^"]+)"/gms;
  for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

/** Strips comments so that JSDoc examples do not count as code. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

Deno.test("src/ uses no runtime-specific API (Deno, process, Bun, node:)", async () => {
  const offenders: string[] = [];
  for await (const file of sourceFiles(new URL("src/", root))) {
    const text = code(await Deno.readTextFile(file));
    // Strings such as Symbol.for("Deno.customInspect") are not API calls.
    const bare = text.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
    for (const re of [/\bDeno\./, /\bprocess\./, /\bBun\./, /\brequire\(/]) {
      if (re.test(bare)) offenders.push(`${file.pathname}: ${re}`);
    }
    for (const spec of staticImports(text)) {
      if (spec.startsWith("node:")) offenders.push(`${file.pathname}: ${spec}`);
    }
    if (/\bimport\(\s*["']node:/.test(text)) {
      offenders.push(`${file.pathname}: dynamic node: import`);
    }
  }
  assert.deepEqual(offenders, []);
});

Deno.test("src/ layers depend one way: core imports no transport, local, nats and sse only core", async () => {
  const offenders: string[] = [];
  for await (const file of sourceFiles(new URL("src/", root))) {
    const layer = file.pathname.split("/src/")[1].split("/")[0];
    // The NATS subject space (src/nats/subjects.ts, no client code) is
    // shared with the configuration and the protocol tools.
    const imports = staticImports(await Deno.readTextFile(file))
      .filter((s) => s.startsWith("../") && s !== "../nats/subjects.ts")
      .map((s) => s.split("/")[1]);
    const allowed: Record<string, string[]> = {
      core: [],
      local: ["core"],
      mcb: ["core"],
      testing: ["core"],
      nats: ["core"],
      sse: ["core"],
      protocol: ["core"],
      config: ["core", "local", "nats"],
    };
    for (const target of imports) {
      if (!(allowed[layer] ?? ["core"]).includes(target)) {
        offenders.push(`${file.pathname} imports ../${target}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

Deno.test("mod.ts statically loads no NATS code", async () => {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = async (url: URL) => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    for (const spec of staticImports(await Deno.readTextFile(url))) {
      if (spec.startsWith(".")) await visit(new URL(spec, url));
      else external.add(spec);
    }
  };
  await visit(new URL("mod.ts", root));
  assert.ok(seen.size > 10, `walked ${seen.size} modules`);
  assert.deepEqual([...external].filter((s) => s.includes("nats")), []);
  // Only the subject space (names and rules, no client code; the check
  // above would see its npm imports) is shared with the configuration.
  assert.deepEqual(
    [...seen].filter((s) => s.includes("/nats/")).map((s) =>
      s.split("/src/")[1]
    ),
    ["nats/subjects.ts"],
  );
});

Deno.test("src/outbox imports no database driver, and no other entry loads it", async () => {
  // The application passes its own handle (node:sqlite, postgres.js, pg,
  // PGlite); the stores only describe it structurally.
  const bare: string[] = [];
  for await (const file of sourceFiles(new URL("src/outbox/", root))) {
    for (const spec of staticImports(await Deno.readTextFile(file))) {
      if (!spec.startsWith(".")) bare.push(`${file.pathname}: ${spec}`);
    }
  }
  assert.deepEqual(bare, []);
  for (const entry of ["mod.ts", "src/nats/mod.ts", "src/sse/mod.ts"]) {
    const seen = new Set<string>();
    const visit = async (url: URL) => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      for (const spec of staticImports(await Deno.readTextFile(url))) {
        if (spec.startsWith(".")) await visit(new URL(spec, url));
      }
    };
    await visit(new URL(entry, root));
    assert.deepEqual(
      [...seen].filter((s) => s.includes("/outbox/")),
      [],
      `${entry} loads outbox code`,
    );
  }
});

/** Every relative import and re-export of `code`, `import type` included. */
function relativeImports(code: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s(?:[^;]*?from\s+)?"(\.[^"]+)"/gms;
  for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

/**
 * The import circles of a module graph: its strongly connected components
 * of more than one module, or of one that imports itself (Tarjan).
 */
function importCircles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) {
      circles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return circles;
}

Deno.test("importCircles finds a circle, and none in a chain", () => {
  const chain = new Map([["a", ["b"]], ["b", ["c"]], ["c", []]]);
  assert.deepEqual(importCircles(chain), []);
  const circle = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]);
  assert.deepEqual(importCircles(circle), [["a", "b", "c"]]);
  assert.deepEqual(
    relativeImports(
      'import type { A } from "./a.ts";\nexport * from "./b.ts";',
    ),
    ["./a.ts", "./b.ts"],
  );
});

Deno.test("src/ has no import circle, type-only imports included", async () => {
  const src = new URL("src/", root);
  const graph = new Map<string, string[]>();
  for await (const file of sourceFiles(src)) {
    const text = code(await Deno.readTextFile(file));
    graph.set(
      file.href.slice(src.href.length),
      relativeImports(text).map((s) =>
        new URL(s, file).href.slice(src.href.length)
      ),
    );
  }
  assert.ok(graph.size > 50, `read ${graph.size} modules`);
  assert.deepEqual(importCircles(graph), []);
});

// NATS errors are classified by class and JetStream API code
// (src/nats/nats_errors.ts), never by matching their message text.
Deno.test("src/nats matches no error message text", async () => {
  const offenders: string[] = [];
  for await (
    const entry of Deno.readDir(new URL("src/nats/", root))
  ) {
    if (!entry.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(
      new URL(`src/nats/${entry.name}`, root),
    );
    text.split("\n").forEach((line: string, i: number) => {
      if (/\.(test|exec)\(.*(message|text\b|String\()/.test(line)) {
        offenders.push(`${entry.name}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(offenders, []);
});
