// README's quick starts, run as written, each from a scratch project in a
// temporary directory outside the checkout (issue 17: a newcomer's first
// hour). The README marks what to run with HTML comments:
//
//   <!-- quickstart:code -->              the program (the next code block)
//   <!-- quickstart:output -->            what it prints
//   <!-- quickstart:<rt> file=NAME -->    write the next code block to NAME
//   <!-- quickstart:<rt> file=NAME from=code -->   write the program to NAME
//   <!-- quickstart:<rt> run -->          run the next code block with sh -e
//
// `/path/to/event-bus` is replaced with this checkout's path. Node and Bun
// install the tarball `deno task build:npm` packs (built once, here), with
// the pinned runtimes of scripts/runtimes/versions.ts.
import assert from "node:assert/strict";
import * as V from "../scripts/runtimes/versions.ts";
import {
  bunBinary,
  lockedVersions,
  nodeBinary,
  npmPath,
  PACK_DIR,
  ROOT,
  run,
} from "../scripts/runtimes/tools.ts";
import { launchChromium, waitFor } from "./_chromium.ts";

/** The placeholder the README uses for the checkout's path. */
const CHECKOUT = "/path/to/event-bus";

/** One thing a quick start does. */
export type Step =
  | { kind: "file"; name: string; text: string }
  | { kind: "run"; script: string };

/** The README's quick starts. */
export interface QuickStarts {
  code: string;
  output: string;
  steps: Record<string, Step[]>;
}

/** Reads the marked blocks of a README (see the top of this file). */
export function parseQuickStarts(readme: string): QuickStarts {
  const lines = readme.split("\n");
  const blocks: Record<string, string> = {};
  const steps: Record<string, Step[]> = {};
  const pending: { runtime: string; args: Map<string, string> }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- quickstart:(\w+)((?: [\w=.]+)*) -->$/.exec(
      lines[i],
    );
    if (marker) {
      const args = new Map(
        marker[2].trim().split(" ").filter(Boolean).map((a) => {
          const [k, v = ""] = a.split("=");
          return [k, v] as const;
        }),
      );
      const from = args.get("from");
      if (from !== undefined) {
        if (!(from in blocks)) throw new Error(`line ${i + 1}: no ${from} yet`);
        (steps[marker[1]] ??= []).push({
          kind: "file",
          name: args.get("file")!,
          text: blocks[from],
        });
      } else pending.push({ runtime: marker[1], args });
      continue;
    }
    if (!lines[i].startsWith("```") || pending.length === 0) continue;
    const end = lines.indexOf("```", i + 1);
    const text = lines.slice(i + 1, end).join("\n") + "\n";
    for (const { runtime, args } of pending.splice(0)) {
      if (runtime === "code" || runtime === "output") blocks[runtime] = text;
      else if (args.has("run")) {
        (steps[runtime] ??= []).push({ kind: "run", script: text });
      } else {
        (steps[runtime] ??= []).push({
          kind: "file",
          name: args.get("file")!,
          text,
        });
      }
    }
    i = end;
  }
  if (pending.length) throw new Error("a quickstart marker has no block");
  return { code: blocks.code, output: blocks.output, steps };
}

const README = await Deno.readTextFile(`${ROOT}README.md`);
const checkout = ROOT.slice(0, -1);
const quick = parseQuickStarts(README.replaceAll(CHECKOUT, checkout));

/** Writes a runtime's files into `dir`, then runs its scripts there. */
async function perform(
  runtime: string,
  dir: string,
  path: string[],
  only: "files" | "all" = "all",
): Promise<string> {
  let stdout = "";
  const steps = quick.steps[runtime];
  assert.ok(steps?.length, `README has no quick start for ${runtime}`);
  for (const step of steps) {
    if (step.kind === "file") {
      await Deno.writeTextFile(`${dir}/${step.name}`, step.text);
    } else if (only === "all") {
      const result = await run("sh", ["-e", "-c", step.script], {
        cwd: dir,
        env: {
          PATH: [...path, Deno.env.get("PATH") ?? ""].join(":"),
          // Bun keeps its package cache out of $HOME.
          BUN_INSTALL_CACHE_DIR: `${ROOT}.cache/runtimes/bun-install-cache`,
        },
        timeoutMs: 150_000,
      });
      stdout += result.stdout;
    }
  }
  return stdout;
}

/** A scratch project outside the checkout, removed when disposed. */
async function scratch(runtime: string) {
  const dir = await Deno.makeTempDir({ prefix: `quickstart-${runtime}-` });
  assert.ok(!dir.startsWith(ROOT), `${dir} is inside the checkout`);
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

const denoDir = Deno.execPath().slice(0, Deno.execPath().lastIndexOf("/"));

/** `deno task build:npm`, once for the Node and Bun quick starts. */
let built: Promise<string> | undefined;
function tarball(): Promise<string> {
  built ??= (async () => {
    await run(Deno.execPath(), ["task", "build:npm"], {
      cwd: ROOT,
      timeoutMs: 300_000,
    });
    const { version } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
    const path = `${PACK_DIR}/mcb-event-bus-${version}.tgz`;
    await Deno.stat(path); // where the README says the build puts it
    return path;
  })();
  return built;
}

Deno.test("README: the quick starts are marked, and name what the build writes", async () => {
  for (const runtime of ["deno", "node", "bun", "browser"]) {
    assert.ok(quick.steps[runtime]?.length, runtime);
  }
  assert.match(quick.code, /createEventBus/);
  const { version } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const packed =
    `${checkout}/.cache/runtimes/pack/mcb-event-bus-${version}.tgz`;
  assert.ok(PACK_DIR.startsWith(`${checkout}/.cache/runtimes/pack`));
  const nodeRun = quick.steps.node.find((s) => s.kind === "run");
  assert.ok(nodeRun?.kind === "run" && nodeRun.script.includes(packed));
  // Bun pins the library's dependencies to deno.lock's versions.
  const pkg = quick.steps.bun.find((s) =>
    s.kind === "file" && s.name === "package.json"
  );
  assert.ok(pkg?.kind === "file");
  const manifest = JSON.parse(pkg.text);
  assert.equal(manifest.dependencies["@mcb/event-bus"], packed);
  const locked = await lockedVersions();
  const pins = { ...manifest.dependencies, ...manifest.overrides };
  for (const name of ["zod", "@nats-io/nats-core", "@nats-io/jetstream"]) {
    assert.equal(pins[name], locked.get(name), `${name}: deno.lock's version`);
  }
});

Deno.test("parseQuickStarts() reads files, shared code and scripts in order", () => {
  const parsed = parseQuickStarts([
    "<!-- quickstart:code -->",
    "",
    "```ts",
    "hello()",
    "```",
    "<!-- quickstart:x file=a.json -->",
    "```json",
    "{}",
    "```",
    "<!-- quickstart:x file=main.ts from=code -->",
    "<!-- quickstart:x run -->",
    "```sh",
    "deno run main.ts",
    "```",
  ].join("\n"));
  assert.deepEqual(parsed.steps.x, [
    { kind: "file", name: "a.json", text: "{}\n" },
    { kind: "file", name: "main.ts", text: "hello()\n" },
    { kind: "run", script: "deno run main.ts\n" },
  ]);
  assert.throws(() => parseQuickStarts("<!-- quickstart:x run -->\n"));
});

Deno.test("README quick start: Deno, from a scratch project", async () => {
  await using project = await scratch("deno");
  const out = await perform("deno", project.dir, [denoDir]);
  assert.equal(out, quick.output);
});

Deno.test("README quick start: Node 22, from the npm tarball", async () => {
  const tgz = await tarball();
  const node = await nodeBinary(V.NODE_VERSIONS[0]);
  const npm = await npmPath();
  await using project = await scratch("node");
  const bin = node.slice(0, node.lastIndexOf("/"));
  const out = await perform("node", project.dir, [
    bin,
    npm.slice(0, npm.lastIndexOf("/")),
  ]);
  assert.ok(out.endsWith(quick.output), out);
  // Installed from the tarball, not from a registry.
  const manifest = JSON.parse(
    await Deno.readTextFile(`${project.dir}/package.json`),
  );
  assert.match(manifest.dependencies["@mcb/event-bus"], /^file:.*\.tgz$/);
  assert.ok(tgz.endsWith(".tgz"));
});

Deno.test("README quick start: Bun, with dependencies pinned to deno.lock", async () => {
  await tarball();
  const bun = await bunBinary();
  await using project = await scratch("bun");
  // The README says `bun`: a directory holding the pinned binary as `bun`.
  const bin = `${project.dir}/.bin`;
  await Deno.mkdir(bin);
  await Deno.symlink(bun, `${bin}/bun`);
  const out = await perform("bun", project.dir, [bin]);
  assert.ok(out.endsWith(quick.output), out);
  const locked = await lockedVersions();
  for (const name of ["zod", "@nats-io/nats-core", "@nats-io/jetstream"]) {
    const { version } = JSON.parse(
      await Deno.readTextFile(
        `${project.dir}/node_modules/${name}/package.json`,
      ),
    );
    assert.equal(version, locked.get(name), name);
  }
});

Deno.test("README quick start: browser bundle, loaded in Chromium", async () => {
  await using project = await scratch("browser");
  // "In the Deno project above": its files, then the page's.
  await perform("deno", project.dir, [denoDir], "files");
  await perform("browser", project.dir, [denoDir]);
  const bundle = await Deno.readTextFile(`${project.dir}/app.js`);
  assert.doesNotMatch(bundle, /nats-io|wsconnect/i, "no NATS code");
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const name = new URL(request.url).pathname.slice(1) || "index.html";
      if (!/^[\w.-]+$/.test(name)) return new Response(null, { status: 404 });
      const type = name.endsWith(".js") ? "text/javascript" : "text/html";
      try {
        return new Response(await Deno.readFile(`${project.dir}/${name}`), {
          headers: { "content-type": type },
        });
      } catch {
        return new Response(null, { status: 404 });
      }
    },
  );
  await using chromium = await launchChromium(
    "tests/readme_quickstart_test.ts",
  );
  const page = await chromium.context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.addr.port}/`);
  const shown = "context.updated /index.html";
  assert.ok(README.includes(`\`${shown}\``), "README says what the page shows");
  await waitFor(
    "the page shows the event",
    async () => (await page.textContent("body"))?.trim() === shown,
  ).catch((error) => {
    throw new Error(`${error.message}; page errors: ${errors.join("; ")}`);
  });
});
