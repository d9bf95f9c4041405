// The outbox and the idempotent inbox in a browser, on PGlite (Postgres in
// WASM), in Debian's Chromium driven by playwright-core: on the page's main
// thread and in a dedicated module Worker the page starts. The page
// (tests/fixtures/outbox_pglite_page.ts) is our library bundled with
// scripts/bundle/deno_bundle.ts; it imports no driver: PGlite is loaded the
// way a browser application loads it, its own ESM dist served over HTTP
// (with its .wasm and .data next to it) from Deno's npm cache. Each run
// commits app rows with their events, rolls one transaction back, publishes
// through a relay, handles each event with `idempotent` (one effect row per
// event, no unique constraint) and gets every event delivered again with
// the same id; this test asserts what the page read back from PGlite.
//
// Needs /usr/bin/chromium, playwright-core (deno.json) and -A.
import assert from "node:assert/strict";
import { denoBundle, ROOT } from "../scripts/bundle/deno_bundle.ts";
import { launchChromium, waitFor } from "./_chromium.ts";
import type { PgliteReport } from "./fixtures/outbox_pglite_page.ts";

const PAGE = new URL("./fixtures/outbox_pglite_page.ts", import.meta.url);
const OUTPUT_DIR = new URL("./output/", import.meta.url);
const PGLITE = "@electric-sql/pglite@0.5.0";
const COUNT = 20;
const ROLLED_BACK_N = 7;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".data": "application/octet-stream",
};

const HTML = `<!doctype html>
<meta charset="utf-8"><title>outbox on PGlite</title><link rel="icon" href="data:,">
<body><script type="module" src="/app.js"></script></body>`;

/** PGlite's dist directory in Deno's npm cache (cached first if missing). */
async function pgliteDist(): Promise<string> {
  const deno = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT.pathname, // deno.json and deno.lock pin the version
      stdin: "null",
    }).output();
  const info = JSON.parse(
    new TextDecoder().decode((await deno(["info", "--json"])).stdout),
  );
  const dir = `${info.npmCache}/registry.npmjs.org/${
    PGLITE.replace("@0", "/0")
  }/dist`;
  const present = () =>
    Deno.stat(`${dir}/index.js`).then(() => true, () => false);
  if (!(await present())) {
    const cached = await deno(["cache", `npm:${PGLITE}`]);
    assert.ok(cached.success, new TextDecoder().decode(cached.stderr));
  }
  assert.ok(await present(), `${PGLITE} is not in ${dir}`);
  return dir;
}

/** Serves the page, our bundle and PGlite's dist; logs each response. */
function serve(app: string, dist: string, log: string[]) {
  return async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    const response = await answer(pathname, app, dist);
    log.push(
      `${response.status} ${pathname} ${response.headers.get("content-type")}`,
    );
    return response;
  };
}

async function answer(
  pathname: string,
  app: string,
  dist: string,
): Promise<Response> {
  if (pathname === "/") {
    return new Response(HTML, {
      headers: { "content-type": TYPES[".html"] },
    });
  }
  if (pathname === "/app.js") {
    return new Response(app, { headers: { "content-type": TYPES[".js"] } });
  }
  const file = /^\/pglite\/([\w-]+(?:\.[\w-]+)*)$/.exec(pathname)?.[1];
  const type = file && TYPES[file.slice(file.lastIndexOf("."))];
  if (!file || !type) return new Response("not found", { status: 404 });
  try {
    const body = await Deno.readFile(`${dist}/${file}`);
    return new Response(body, { headers: { "content-type": type } });
  } catch {
    return new Response("not found", { status: 404 });
  }
}

/** The asserts, the same for the main thread and the worker. */
function check(r: PgliteReport, where: "main" | "worker"): void {
  type Row = Record<string, unknown>;
  const ids = (list: readonly Row[]) => list.map((e) => String(e.id));
  assert.equal(r.where, where);
  assert.equal(r.inWorker, where === "worker", "ran where it says");
  assert.match(r.pgliteUrl, /^http:\/\/127\.0\.0\.1:\d+\/pglite\/index\.js$/);
  assert.deepEqual([r.count, r.rolledBackN], [COUNT, ROLLED_BACK_N]);
  assert.deepEqual(r.relayErrors, []);

  // The app's rows: every transaction but the one rolled back.
  const ns = Array.from({ length: COUNT }, (_, n) => n)
    .filter((n) => n !== ROLLED_BACK_N);
  assert.deepEqual(r.appRows.map((row) => row.n), ns);
  assert.deepEqual(r.committed.map((e) => e.n), ns);
  const committed = ids(r.committed);
  assert.equal(new Set(committed).size, COUNT - 1);
  assert.match(r.rolledBackId, /\S/);
  assert.ok(!committed.includes(r.rolledBackId));

  // The outbox holds the committed events only, all published.
  assert.deepEqual(ids(r.outboxRows), committed);
  assert.ok(r.outboxRows.every((row) => row.published === true));

  // Every committed event delivered, twice (the relay, then again with
  // the same id); the rolled-back one never.
  const delivered = ids(r.delivered);
  assert.ok(!delivered.includes(r.rolledBackId), "rolled back: never sent");
  assert.deepEqual(delivered.slice(0, COUNT - 1), committed);
  assert.deepEqual(delivered.slice(COUNT - 1), committed);
  assert.equal(delivered.length, 2 * (COUNT - 1));

  // In commit order per subject.
  const subjects = [...new Set(r.committed.map((e) => e.subject))];
  assert.equal(subjects.length, 3);
  for (const subject of subjects) {
    const of = (list: readonly Row[]) =>
      ids(list.filter((e) => e.subject === subject));
    assert.deepEqual(of(r.delivered.slice(0, COUNT - 1)), of(r.committed));
    assert.deepEqual(of(r.outboxRows), of(r.committed));
  }

  // The effects: exactly once per committed event despite the redelivery,
  // each recorded in the inbox in the same transaction.
  assert.deepEqual(ids(r.effectRows).sort(), [...committed].sort());
  assert.deepEqual(
    r.effectRows.map((e) => `${e.id} ${e.subject} ${e.n}`).sort(),
    r.committed.map((e) => `${e.id} ${e.subject} ${e.n}`).sort(),
  );
  assert.deepEqual(ids(r.inboxRows), [...committed].sort());
  assert.ok(r.inboxRows.every((row) => row.consumer === "effects"));
}

Deno.test({
  name:
    "outbox on PGlite (Chromium): main thread and Worker commit, relay, redeliver, handle once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using browser = await launchChromium(
      "tests/browser_outbox_pglite_test.ts",
    );
    const dist = await pgliteDist();
    const out = await Deno.makeTempDir({ prefix: "outbox-pglite-" });
    const bundle = await denoBundle(PAGE, {
      output: `${out}/app.js`,
      minify: false,
    }).finally(() => Deno.remove(out, { recursive: true }));
    // Our code only: no import of PGlite nor of any other module.
    assert.doesNotMatch(bundle.code, /^\s*import\s[^(]/m);
    assert.doesNotMatch(bundle.code, /\bimport\(\s*["'`]/);
    assert.doesNotMatch(bundle.code, /@electric-sql|from\s*["']pg["']/);
    console.log(`page bundle: ${bundle.bytes} bytes (PGlite not in it)`);
    const served: string[] = [];
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      serve(bundle.code, dist, served),
    );
    try {
      const page = browser.context.pages()[0] ??
        await browser.context.newPage();
      page.setDefaultTimeout(30_000);
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
      });
      const started = Date.now();
      await page.goto(`http://127.0.0.1:${server.addr.port}/`);
      const result = async (key: "main" | "worker") =>
        JSON.parse(
          await page.locator("body").getAttribute(`data-${key}`) ?? "null",
        ) as { report?: PgliteReport; error?: string } | null;
      await waitFor(
        "the page reports both runs",
        async () =>
          (await result("main"))?.error !== undefined ||
          (await result("worker")) !== null,
        45_000,
      );
      await Deno.mkdir(OUTPUT_DIR, { recursive: true });
      await page.screenshot({
        path: new URL("outbox-pglite.png", OUTPUT_DIR).pathname,
      });
      for (const where of ["main", "worker"] as const) {
        const { report, error } = (await result(where)) ?? {};
        assert.equal(error, undefined, `${where}: ${error}`);
        check(report!, where);
        console.log(
          `${where}: PostgreSQL ${report!.postgres}, ` +
            `${report!.appRows.length} app rows, ` +
            `${report!.outboxRows.length} outbox rows published, ` +
            `${report!.delivered.length} deliveries, ` +
            `${report!.effectRows.length} effects, ` +
            `${report!.inboxRows.length} inbox records, ` +
            `rolled back ${report!.rolledBackId} never delivered ` +
            `(${report!.ms} ms)`,
        );
      }
      // PGlite came over HTTP from its dist, its wasm as application/wasm;
      // every request was answered.
      for (const file of ["/pglite/index.js", "/pglite/pglite.data"]) {
        assert.ok(served.some((l) => l.startsWith(`200 ${file} `)), file);
      }
      assert.ok(served.includes("200 /pglite/pglite.wasm application/wasm"));
      assert.deepEqual(served.filter((l) => !l.startsWith("200 ")), []);
      assert.deepEqual(pageErrors, []);
      console.log(
        `both runs: ${Date.now() - started} ms in Chromium; served: ` +
          [...new Set(served)].join(", "),
      );
    } finally {
      await server.shutdown();
    }
  },
});
