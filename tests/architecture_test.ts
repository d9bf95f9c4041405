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
      config_file: ["core", "config"],
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
