// The SSE admin page (examples/sse-server.ts + examples/sse-panel.html) in
// Debian's Chromium, driven by playwright-core: the page's EventSource
// shows live events; the server connection is killed; events are published
// while it is down; the server comes back; the browser reconnects by itself
// with Last-Event-ID, and the page shows every event exactly once, in
// order. On both transports:
//   - local: the example server runs in this process; only its HTTP
//     listener stops and restarts (every stream aborted), the bus and its
//     ring live on;
//   - nats: the example server is a separate `deno run` process, killed
//     with SIGKILL and started again (a new bus on the same stream); the
//     events in between come from another bus.
// Screenshots go to tests/output/.
//
// Needs /usr/bin/chromium, playwright-core (deno.json) and -A.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { type EventBus, mcbEvents } from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import { startSseServer } from "../examples/sse-server.ts";
import { launchChromium, waitFor } from "./_chromium.ts";
import { freePort, startNatsServer } from "./nats_server.ts";

const OUTPUT_DIR = new URL("./output/", import.meta.url);
const EXAMPLE = new URL("../examples/sse-server.ts", import.meta.url);
const TOKEN = "panel-token-Qm4Zr8Xw";

type Bus = EventBus<typeof mcbEvents>;

/** Publishes `count` persistent events of a few types, one after another. */
async function publishSome(bus: Bus, label: string, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const event = i % 3 === 0
      ? await bus.publish("indexing.progress", {
        collection: label,
        processed: i,
        total: count,
        current_file: `src/${label}_${i}.ts`,
      })
      : i % 3 === 1
      ? await bus.publish("search.executed", {
        query: `${label} ${i} "quoted" ✓`,
        collection: "docs",
        results: i,
        duration_ms: 3,
      })
      : await bus.publish("config.reloaded", { section: `${label}-${i}` });
    ids.push(event.id);
  }
  return ids;
}

function shownIds(page: Page): Promise<string[]> {
  return page.locator("#events tbody tr").evaluateAll((rows) =>
    rows.map((r) => r.getAttribute("data-id")!)
  );
}

async function text(page: Page, selector: string): Promise<string> {
  return await page.locator(selector).textContent() ?? "";
}

/**
 * The scenario, the same on both transports: `publisher` publishes into
 * what the server streams, `kill()` / `restore()` take the server
 * connection away and back.
 */
async function scenario(
  name: string,
  url: string,
  publisher: Bus,
  kill: () => Promise<void>,
  restore: () => Promise<void>,
): Promise<void> {
  await using chromium = await launchChromium(
    "tests/browser_sse_panel_test.ts",
  );
  const page = chromium.context.pages()[0] ??
    await chromium.context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(url);
  await page.locator('body[data-ready="true"]').waitFor();
  await page.locator('#status[data-status="open"]').waitFor();

  const before = await publishSome(publisher, "before", 6);
  await waitFor(
    "the page shows the first 6 events",
    async () => (await shownIds(page)).length >= 6,
  );
  assert.deepEqual(await shownIds(page), before);

  // The server connection goes away; events keep coming meanwhile.
  await kill();
  await page.locator('#status[data-status="connecting"]').waitFor();
  const during = await publishSome(publisher, "during", 7);
  await new Promise((r) => setTimeout(r, 500)); // a few failed reconnects
  assert.deepEqual(await shownIds(page), before, "nothing while down");
  await page.screenshot({
    path: new URL(`sse-panel-${name}-down.png`, OUTPUT_DIR).pathname,
  });

  await restore();
  await page.locator('#status[data-status="open"]').waitFor({
    timeout: 20_000,
  });
  const afterwards = await publishSome(publisher, "after", 4);
  const expected = [...before, ...during, ...afterwards];
  await waitFor(
    `the page shows all ${expected.length} events`,
    async () => (await shownIds(page)).length >= expected.length,
    20_000,
  );
  await new Promise((r) => setTimeout(r, 500)); // would a repeat arrive late?
  const shown = await shownIds(page);
  assert.deepEqual(shown, expected, "every event exactly once, in order");
  assert.equal(await text(page, "#total"), String(expected.length));
  assert.equal(await text(page, "#gaps"), "0", "no gap reported");
  assert.ok(Number(await text(page, "#opens")) >= 2, "it reconnected");
  // Data is shown as text.
  assert.match(
    await text(page, `#events tr[data-id="${before[1]}"] td.data`),
    /\\"quoted\\" ✓/,
  );
  await page.screenshot({
    path: new URL(`sse-panel-${name}.png`, OUTPUT_DIR).pathname,
    fullPage: true,
  });
  assert.deepEqual(pageErrors, []);
}

Deno.test({
  name:
    "SSE panel (Chromium), local transport: the page shows every event exactly once across a server restart",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await Deno.mkdir(OUTPUT_DIR, { recursive: true });
    await using bus = await createEventBus(mcbEvents, {
      transport: "local",
      history: 100,
    });
    const server = await startSseServer({
      bus,
      token: TOKEN,
      port: 0,
      retry: 300,
    });
    try {
      // A wrong token is refused, so the endpoint is not open.
      const refused = await fetch(
        `http://127.0.0.1:${server.port}/events?token=nope`,
      );
      await refused.body?.cancel();
      assert.equal(refused.status, 403);
      await scenario(
        "local",
        server.url,
        bus,
        () => server.stop(),
        () => server.start(),
      );
    } finally {
      await server.stop();
    }
  },
});

/** The example server as its own process (nats transport from env). */
class ExampleProcess {
  #child: Deno.ChildProcess | undefined;
  #log = "";
  constructor(readonly port: number, readonly env: Record<string, string>) {}

  get log(): string {
    return this.#log;
  }

  async start(): Promise<void> {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-env",
        "--allow-read=examples",
        EXAMPLE.pathname,
        "--port",
        String(this.port),
      ],
      cwd: new URL("../", import.meta.url).pathname,
      env: this.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    let listening: () => void;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.#log += chunk;
        if (this.#log.includes("listening on")) listening();
      }
    };
    void pump(child.stdout).catch(() => {});
    void pump(child.stderr).catch(() => {});
    const exited = child.status.then((s) => {
      throw new Error(
        `sse-server exited (code ${s.code}) before listening:\n${this.#log}`,
      );
    });
    await Promise.race([ready, exited]);
    exited.catch(() => {});
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
  }
}

Deno.test({
  name:
    "SSE panel (Chromium), nats transport: the page shows every event exactly once across a killed and restarted server process",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await Deno.mkdir(OUTPUT_DIR, { recursive: true });
    await using nats = await startNatsServer();
    const nc = {
      servers: nats.wsUrl,
      stream: "SSE_PANEL",
      subjectPrefix: "ssepanel.test",
    };
    // The admin (another instance) publishes; it also provisions the stream.
    await using publisher = await createEventBus(mcbEvents, {
      transport: "nats",
      source: "/tests/indexer",
      nats: nc,
    });
    const example = new ExampleProcess(await freePort(), {
      MCB_EVENT_BUS_TRANSPORT: "nats",
      MCB_EVENT_BUS_SOURCE: "/tests/sse-server",
      MCB_EVENT_BUS_NATS_SERVERS: nc.servers,
      MCB_EVENT_BUS_NATS_STREAM: nc.stream,
      MCB_EVENT_BUS_NATS_SUBJECT_PREFIX: nc.subjectPrefix,
      SSE_PANEL_TOKEN: TOKEN,
    });
    await example.start();
    try {
      await scenario(
        "nats",
        `http://127.0.0.1:${example.port}/?token=${TOKEN}`,
        publisher,
        () => example.kill(),
        () => example.start(),
      );
      // Run as a user would (no --unstable-no-legacy-abort): sseResponse
      // never reads request.signal, so Deno.serve has nothing to warn of.
      assert.ok(
        !example.log.includes("legacy behavior"),
        `the example printed Deno's legacy-abort warning:\n${example.log}`,
      );
    } catch (error) {
      console.error(`--- sse-server output ---\n${example.log}`);
      throw error;
    } finally {
      await example.kill();
    }
  },
});
