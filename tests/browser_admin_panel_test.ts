// The browser admin panel (examples/admin-panel/) in Debian's Chromium,
// driven by playwright-core, against a real nats-server on loopback: the
// page connects over WebSocket as a subscribe-only user, shows the events
// that an admin publishes from Deno with their counts by type, renders event
// data as text (never HTML), is refused when it tries to publish, and marks
// the connection status through a server restart. Screenshots go to
// tests/output/.
//
// Needs /usr/bin/chromium (`apt-get install -y chromium`), the npm package
// playwright-core (mapped in deno.json; `deno install` fetches it) and -A
// (playwright-core reads a /proc/sys path that Deno allows only with -A).
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { mcbEvents } from "../mod.ts";
import { createEventBus } from "../src/config/mod.ts";
import {
  buildAdminPanel,
  describeBuild,
} from "../scripts/build_admin_panel.ts";
import { startNatsServer } from "./nats_server.ts";
import { launchChromium, waitFor } from "./_chromium.ts";

const PANEL_DIR = new URL("../examples/admin-panel/", import.meta.url);
const OUTPUT_DIR = new URL("./output/", import.meta.url);
const STREAM = "PANEL_TEST";
const PREFIX = "panel.test";
const ADMIN_PASS = "admin-pw-Vb3Kq8Lr";
const PANEL_PASS = "panel-pw-Tz6Wn1Hd";
const XSS = `<img src=x onerror="alert('xss')">.md`;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

/** Serves the panel's own files (index.html, style.css, dist/*.js) only. */
async function servePanel(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const path = pathname === "/" ? "index.html" : pathname.slice(1);
  const ext = path.slice(path.lastIndexOf("."));
  if (!/^[\w-]+(\/[\w-]+)*\.(html|css|js)$/.test(path)) {
    return new Response("not found", { status: 404 });
  }
  try {
    const body = await Deno.readFile(new URL(path, PANEL_DIR));
    return new Response(body, { headers: { "content-type": TYPES[ext] } });
  } catch {
    return new Response("not found", { status: 404 });
  }
}

/** `{ type: count }` as the page's "by type" table shows it. */
function shownCounts(page: Page): Promise<Record<string, number>> {
  return page.locator("#counts tbody tr").evaluateAll((rows) =>
    Object.fromEntries(
      rows.map((r) => [
        r.getAttribute("data-type"),
        Number(r.querySelector("td.num")?.textContent),
      ]),
    )
  );
}

function shownIds(page: Page): Promise<string[]> {
  return page.locator("#events tbody tr").evaluateAll((rows) =>
    rows.map((r) => r.getAttribute("data-id")!)
  );
}

Deno.test({
  name:
    "admin panel (Chromium): a subscribe-only page shows live events, counts by type and connection status",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using browser = await launchChromium(
      "tests/browser_admin_panel_test.ts",
    );

    const build = await buildAdminPanel();
    console.log(describeBuild(build));

    await using server = await startNatsServer({
      users: [
        { user: "admin", pass: ADMIN_PASS },
        {
          // Subscribe-only (see tests/nats_auth_test.ts), plus the
          // ephemeral subjects, which travel over core NATS.
          user: "panel",
          pass: PANEL_PASS,
          permissions: {
            publish: [
              "$JS.API.INFO",
              `$JS.API.STREAM.INFO.${STREAM}`,
              "$JS.API.CONSUMER.>",
              `$JS.ACK.${STREAM}.>`,
            ],
            subscribe: ["_INBOX.>", `${PREFIX}_ephemeral.>`],
          },
        },
      ],
    });
    // The admin provisions the stream (file storage: it survives the
    // restart below); the page never touches its configuration.
    const admin = await createEventBus(mcbEvents, {
      transport: "nats",
      source: "/tests/indexer",
      nats: {
        servers: server.wsUrl,
        user: "admin",
        pass: ADMIN_PASS,
        stream: STREAM,
        subjectPrefix: PREFIX,
      },
    });

    const http = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
    }, servePanel);
    const context = browser.context;
    try {
      const page = context.pages()[0] ?? await context.newPage();
      page.setDefaultTimeout(10_000);
      const pageErrors: string[] = [];
      const dialogs: string[] = [];
      // While the server is stopped on purpose (below), Chromium logs each
      // refused reconnect attempt to the console itself; those are expected
      // and only those, only then.
      let outage = false;
      const refusedDuringOutage: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() !== "error") return;
        const text = m.text();
        const refused = text.startsWith(
          `WebSocket connection to '${server.wsUrl}/' failed`,
        ) && text.includes("ERR_CONNECTION_REFUSED");
        if (outage && refused) refusedDuringOutage.push(text);
        else pageErrors.push(`console: ${text}`);
      });
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });

      const query = new URLSearchParams({
        servers: server.wsUrl,
        user: "panel",
        pass: PANEL_PASS,
        stream: STREAM,
        prefix: PREFIX,
      });
      await page.goto(`http://127.0.0.1:${http.addr.port}/?${query}`);
      await page.locator('#status[data-status="connected"]').waitFor();
      await page.locator('body[data-ready="true"]').waitFor();
      assert.equal(await page.locator("#status").textContent(), "connected");
      assert.equal(await page.locator("#server").textContent(), server.wsUrl);

      // ~10 events of several types, one of them ephemeral (core NATS),
      // one carrying markup that must show as text.
      const sent = await Promise.all([
        admin.publish("indexing.started", {
          collection: "docs",
          total_files: 120,
        }),
        admin.publish("indexing.progress", {
          collection: "docs",
          processed: 40,
          total: 120,
          current_file: "src/main.ts",
        }),
        admin.publish("indexing.progress", {
          collection: "docs",
          processed: 80,
          total: 120,
          current_file: XSS,
        }),
        admin.publish("indexing.progress", {
          collection: "docs",
          processed: 120,
          total: 120,
        }),
        admin.publish("indexing.completed", {
          collection: "docs",
          chunks: 843,
          duration_ms: 5120,
        }),
        admin.publish("cache.invalidate", { namespace: "search" }),
        admin.publish("search.executed", {
          query: "event bus",
          collection: "docs",
          results: 12,
          duration_ms: 8,
        }),
        admin.publish("search.executed", {
          query: "nats websocket",
          collection: "docs",
          results: 3,
          duration_ms: 5,
        }),
        admin.publish("service.state_changed", {
          name: "indexer",
          state: "idle",
          previous_state: "running",
        }),
        admin.publish("metrics.snapshot", { events_per_s: 42.5, heap_mb: 63 }),
      ]);
      const expected: Record<string, number> = {};
      for (const type of mcbEvents.types) expected[type] = 0;
      for (const e of sent) expected[e.type]++;

      await waitFor(
        `the table shows the ${sent.length} events`,
        async () => (await shownIds(page)).length >= sent.length,
      );
      assert.deepEqual(
        (await shownIds(page)).sort(),
        sent.map((e) => e.id).sort(),
      );
      assert.deepEqual(await shownCounts(page), expected);
      assert.equal(await page.locator("#total").textContent(), "10");
      assert.equal(await page.locator("#empty").isVisible(), false);
      // Source and ephemeral marks.
      assert.deepEqual(
        [...new Set(await page.locator("#events td.source").allTextContents())],
        ["/tests/indexer"],
      );
      const metricsRow = page.locator(
        '#events tr[data-type="metrics.snapshot"]',
      );
      assert.match(await metricsRow.textContent() ?? "", /ephemeral/);
      // Event data is text, never markup.
      const xssRow = page.locator(
        `#events tr[data-id="${sent[2].id}"] td.data`,
      );
      assert.ok((await xssRow.textContent())?.includes(JSON.stringify(XSS)));
      assert.equal(await page.locator("#events img").count(), 0);
      assert.deepEqual(dialogs, []);

      // The panel user cannot publish: the page says so.
      await page.locator("#probe").click();
      const notice = page.locator("#notice[data-probe]");
      await notice.waitFor();
      assert.equal(await notice.getAttribute("data-probe"), "refused");
      const refusal = await notice.textContent() ?? "";
      assert.match(refusal, /PublishRejectedError/);
      assert.match(refusal, /permission/i);
      assert.match(refusal, /panel\.test\.cache\.invalidate/);
      assert.equal(expected["cache.invalidate"], 1);
      assert.equal((await shownCounts(page))["cache.invalidate"], 1);

      await Deno.mkdir(OUTPUT_DIR, { recursive: true });
      await page.screenshot({
        path: new URL("admin-panel.png", OUTPUT_DIR).pathname,
        fullPage: true,
      });

      // Connection status: the server goes away, then comes back.
      outage = true;
      await server.stop();
      await waitFor("the badge leaves connected", async () => {
        const s = await page.locator("#status").getAttribute("data-status");
        return s === "disconnected" || s === "reconnecting";
      });
      await page.screenshot({
        path: new URL("admin-panel-disconnected.png", OUTPUT_DIR).pathname,
      });
      await server.start();
      await page.locator('#status[data-status="connected"]').waitFor({
        timeout: 15_000,
      });
      outage = false;
      // Events published after the reconnect reach the page.
      const after = await admin.publish("config.reloaded", {
        section: "panel",
      });
      await waitFor(
        "the event published after the reconnect shows",
        async () => (await shownIds(page)).includes(after.id),
        15_000,
      );
      assert.equal((await shownCounts(page))["config.reloaded"], 1);
      assert.deepEqual(pageErrors, []);
    } finally {
      await admin.close();
      await http.shutdown();
    }
  },
});
