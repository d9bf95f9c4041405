/**
 * The NATS latency cases in Debian's Chromium (headless, driven by
 * playwright-core): `browser/latency_page.ts` bundled for the browser with
 * `deno bundle`, served on loopback, run against this run's nats-server.
 * The page uses Chromium's own WebSocket (the `browser` condition of
 * `#nats-socket`), which sets TCP_NODELAY itself.
 *
 * @module
 */
import { denoBundle } from "../bundle/deno_bundle.ts";
import { launchChromium } from "../../tests/_chromium.ts";
import type { NatsLatencyOptions, NatsLatencyResult } from "./nats_latency.ts";

/** What the page reports. */
export interface BrowserLatency {
  /** `navigator.userAgent` of the page. */
  agent: string;
  results: NatsLatencyResult[];
}

const PAGE = new URL("./browser/latency_page.ts", import.meta.url);

/** Runs the page's cases against `wsUrl`; throws with the page's error. */
export async function runBrowserLatency(
  wsUrl: string,
  options: NatsLatencyOptions,
): Promise<BrowserLatency> {
  const dir = await Deno.makeTempDir({ prefix: "mcb-bench-page-" });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/page.js") {
        return new Response(await Deno.readFile(`${dir}/page.js`), {
          headers: { "content-type": "text/javascript" },
        });
      }
      return new Response(
        '<!doctype html><script type="module" src="/page.js"></script>',
        { headers: { "content-type": "text/html" } },
      );
    },
  );
  try {
    await denoBundle(PAGE, { output: `${dir}/page.js`, minify: false });
    await using chromium = await launchChromium("scripts/bench/main.ts");
    const page = await chromium.context.newPage();
    page.on("console", (m) => console.error(`  chromium: ${m.text()}`));
    const query = new URLSearchParams({
      ws: wsUrl,
      rates: options.rates.join(","),
      seconds: String(options.seconds),
      warmup: String(options.warmupSeconds),
      trials: String(options.trials ?? 1),
    });
    await page.goto(`http://127.0.0.1:${server.addr.port}/?${query}`);
    const runs = options.rates.length * 4 * (options.trials ?? 1);
    const ms = 1000 *
      (30 + runs * (options.seconds + options.warmupSeconds + 10));
    await page.waitForFunction(
      () => (globalThis as { __latency?: unknown }).__latency !== undefined,
      undefined,
      { timeout: ms, polling: 250 },
    );
    const state = await page.evaluate(() =>
      (globalThis as { __latency?: unknown }).__latency
    ) as
      | { ok: true; results: NatsLatencyResult[]; agent: string }
      | { ok: false; error: string };
    if (!state.ok) throw new Error(`chromium page: ${state.error}`);
    return { agent: state.agent, results: state.results };
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}
