/**
 * Memory: heap used (`Deno.memoryUsage().heapUsed`) and RSS before and
 * after long runs, each scenario in a fresh `deno run
 * --v8-flags=--expose-gc` subprocess (this file, with `--child`), so one
 * scenario's garbage or JIT code never counts in another's.
 *
 * Every scenario sets up, measures ("start"), warms up, measures ("warm"),
 * runs, measures ("end"), runs again the same count, measures ("again").
 * Each measurement first runs `gc()` three times with a timer turn between
 * them (so finalizers and pending promises settle). Growth is `end - warm`
 * (what the measured run kept once the warm-up had grown caches, JIT code
 * and V8's tables) and `again - end` (what a second run kept: a leak keeps
 * growing there, a one-time cost does not).
 *
 * - **local publishes**: 1 M publishes (100 k warm-up) to 10 subscribers
 *   (exact type, validation on); every handler call counted.
 * - **subscribe/unsubscribe churn**: 100 k cycles (10 k warm-up) on a bus
 *   with one long-lived subscriber; a cycle subscribes a handler with a
 *   pattern (`"context.*"`), opens an `events()` iterator, publishes one
 *   event, reads it from the iterator, then unsubscribes and returns the
 *   iterator. Both the handler and the iterator must see each event, and
 *   only the long-lived subscription may be left.
 * - **nats persistent**: 100 k events of a persistent type (JetStream
 *   publish, up to 256 awaited publishes in flight; 10 k warm-up) from a
 *   publisher bus to a subscriber bus on another connection, both in the
 *   child; every event received exactly once.
 *
 * The bound: heap growth under 1 MiB (`HEAP_BOUND`) in each run after the
 * warm-up, in every scenario. RSS is reported, not bounded: V8 keeps the
 * heap pages it grew into (`heapTotal`, shown, reaches ~75 MiB under this
 * allocation rate while ~10 MiB are used) and the allocator keeps freed
 * pages, so RSS follows the peak, not leaks; it levels off by the second
 * run.
 *
 * @module
 */

import { createLocalEventBus } from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import type { BenchResult, MemorySnapshot, MemorySummary } from "./harness.ts";
import { alignTable, formatBytes } from "./harness.ts";
import { catalog, payload } from "./local.ts";
import {
  Counter,
  deleteStream,
  natsCatalog,
  type NatsTarget,
  slidingWindow,
} from "./nats.ts";

/** Allowed heap growth after warm-up, bytes. */
export const HEAP_BOUND = 1024 * 1024;

/** A scenario the parent runs in a child process. */
export interface MemoryScenario {
  id: "local" | "churn" | "nats";
  name: string;
  nats: boolean;
  subscribers: number;
  unit: string;
  units: number;
  warmup: number;
}

/** The scenarios, counts multiplied by `scale` (`--quick` uses 0.1). */
export function memoryScenarios(scale = 1): MemoryScenario[] {
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  return [
    {
      id: "local",
      name: "memory: local publishes, 10 subscribers",
      nats: false,
      subscribers: 10,
      unit: "events",
      units: n(1_000_000),
      warmup: n(100_000),
    },
    {
      id: "churn",
      name: "memory: subscribe/unsubscribe churn (handler + events())",
      nats: false,
      subscribers: 1,
      unit: "cycles",
      units: n(100_000),
      warmup: n(10_000),
    },
    {
      id: "nats",
      name: "memory: nats persistent, bus -> bus",
      nats: true,
      subscribers: 1,
      unit: "events",
      units: n(100_000),
      warmup: n(10_000),
    },
  ];
}

/** What a child prints (one JSON line on stdout). */
interface ChildReport {
  start: MemorySnapshot;
  warm: MemorySnapshot;
  end: MemorySnapshot;
  again: MemorySnapshot;
  /** Duration of the first measured run. */
  seconds: number;
}

// ------------------------------------------------------------------ parent

/**
 * The deno binary for the children: `Deno.execPath()` when this process may
 * run it, else `deno` from PATH (`deno task bench` allows `deno` by name,
 * which is the running binary unless PATH has another one first).
 */
function denoBinary(): string {
  const exec = Deno.execPath();
  const state = Deno.permissions.querySync({ name: "run", command: exec });
  return state.state === "granted" ? exec : "deno";
}

/** Runs `scenario` in a fresh child; `wsUrl` for the NATS one. */
export async function runMemoryScenario(
  scenario: MemoryScenario,
  wsUrl: string,
): Promise<BenchResult> {
  const config = new URL("../../deno.json", import.meta.url);
  const args = [
    "run",
    "--v8-flags=--expose-gc",
    `--config=${config.pathname}`,
    "--no-prompt",
    ...(scenario.nats ? ["--allow-net=127.0.0.1"] : []),
    new URL(import.meta.url).pathname,
    "--child",
    JSON.stringify({ ...scenario, wsUrl }),
  ];
  const out = await new Deno.Command(denoBinary(), {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    throw new Error(
      `${scenario.name}: child exited with ${out.code}\n${stderr}\n${stdout}`,
    );
  }
  const report = JSON.parse(stdout.split("\n").at(-1)!) as ChildReport;
  const heapGrowth = report.end.heapUsed - report.warm.heapUsed;
  const heapGrowthAgain = report.again.heapUsed - report.end.heapUsed;
  const memory: MemorySummary = {
    unit: scenario.unit,
    units: scenario.units,
    warmupUnits: scenario.warmup,
    start: report.start,
    warm: report.warm,
    end: report.end,
    again: report.again,
    heapGrowth,
    rssGrowth: report.end.rss - report.warm.rss,
    heapGrowthAgain,
    rssGrowthAgain: report.again.rss - report.end.rss,
    heapBound: HEAP_BOUND,
    met: heapGrowth < HEAP_BOUND && heapGrowthAgain < HEAP_BOUND,
  };
  const rate = scenario.units / report.seconds;
  return {
    suite: "memory",
    name: scenario.name,
    subscribers: scenario.subscribers,
    baseline: false,
    medianEventsPerSec: rate,
    ratio: null,
    ratioOf: null,
    roundsEventsPerSec: [Math.round(rate)],
    memory,
  };
}

/** The memory results as an aligned text table. */
export function formatMemoryTable(results: BenchResult[]): string {
  const header = [
    "case",
    "run (warm-up)",
    "heap used start > warm > end > 2nd",
    "heap growth run, 2nd",
    "heap total end",
    "RSS start > warm > end > 2nd",
    `heap growth < ${formatBytes(HEAP_BOUND)}`,
  ];
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  const signed = (b: number) => (b >= 0 ? "+" : "") + formatBytes(b);
  const rows = results.map((r) => {
    const m = r.memory!;
    const k = (n: number) => n.toLocaleString("en-US");
    const path = (key: "heapUsed" | "rss") =>
      [m.start, m.warm, m.end, m.again].map((s) => mb(s[key])).join(" > ") +
      " MiB";
    return [
      r.name,
      `${k(m.units)} (${k(m.warmupUnits)}) ${m.unit}`,
      path("heapUsed"),
      `${signed(m.heapGrowth)}, ${signed(m.heapGrowthAgain)}`,
      formatBytes(m.again.heapTotal),
      path("rss"),
      m.met ? "met" : "NOT MET",
    ];
  });
  return alignTable(header, rows);
}

// ------------------------------------------------------------------- child

declare const gc: (() => void) | undefined;

async function snapshot(): Promise<MemorySnapshot> {
  if (typeof gc !== "function") {
    throw new Error("gc() is missing: run with --v8-flags=--expose-gc");
  }
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const { heapUsed, heapTotal, external, rss } = Deno.memoryUsage();
  return { heapUsed, heapTotal, external, rss };
}

const TYPE = "context.updated";

/** A set-up scenario: `run(n)` does n units and checks them. */
interface ChildRun {
  run(n: number): Promise<void>;
  close(): Promise<void>;
}

function localPublishes(subscribers: number): ChildRun {
  const errors: unknown[] = [];
  const bus = createLocalEventBus(catalog, {
    onError: (error) => void errors.push(error),
  });
  let calls = 0;
  for (let i = 0; i < subscribers; i++) bus.subscribe(TYPE, () => void calls++);
  return {
    async run(n) {
      calls = 0;
      for (let i = 0; i < n; i++) {
        bus.publish(TYPE, payload).catch((error) => void errors.push(error));
        if ((i & 4095) === 4095) await null;
      }
      await null;
      if (errors.length > 0) throw errors[0];
      if (calls !== n * subscribers) {
        throw new Error(`${calls} handler calls, expected ${n * subscribers}`);
      }
    },
    close: () => bus.close(),
  };
}

function churn(): ChildRun {
  const errors: unknown[] = [];
  const bus = createLocalEventBus(catalog, {
    onError: (error) => void errors.push(error),
  });
  let resident = 0;
  let transient = 0;
  bus.subscribe(TYPE, () => void resident++);
  const handler = () => void transient++;
  return {
    async run(n) {
      resident = 0;
      transient = 0;
      for (let i = 0; i < n; i++) {
        const sub = bus.subscribe("context.*", handler);
        const stream = bus.events(TYPE, { buffer: 4, overflow: "error" });
        await bus.publish(TYPE, payload);
        const next = await stream.next();
        if (next.done) throw new Error(`cycle ${i}: events() ended early`);
        sub.unsubscribe();
        await stream.return?.();
      }
      if (errors.length > 0) throw errors[0];
      if (resident !== n || transient !== n) {
        throw new Error(
          `resident ${resident} and transient ${transient} handler calls, expected ${n}`,
        );
      }
      const subscriptions = bus.health().subscriptions;
      if (subscriptions !== 1) {
        throw new Error(`${subscriptions} subscriptions left, expected 1`);
      }
    },
    close: () => bus.close(),
  };
}

async function natsPersistent(wsUrl: string): Promise<ChildRun> {
  const errors: unknown[] = [];
  const target: NatsTarget = { wsUrl };
  const open = (role: string) =>
    createEventBus(natsCatalog, {
      transport: "nats",
      source: `/bench/memory/${role}`,
      onError: (error) => void errors.push(error),
      nats: { servers: wsUrl, stream: "MEMORY", subjectPrefix: "memory" },
    });
  const pub = await open("publisher");
  const sub = await open("subscriber");
  const received = new Counter();
  await sub.subscribe(TYPE, () => received.hit()).ready;
  return {
    async run(n) {
      const goal = received.total + n;
      await slidingWindow(n, 256, () => pub.publish(TYPE, payload));
      await received.until(goal, "nats persistent");
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (errors.length > 0) throw errors[0];
      if (received.total !== goal) {
        throw new Error(`${received.total} events received, expected ${goal}`);
      }
    },
    async close() {
      await pub.close();
      await sub.close();
      await deleteStream(target, "MEMORY");
    },
  };
}

async function child(json: string): Promise<void> {
  const scenario = JSON.parse(json) as MemoryScenario & { wsUrl: string };
  const setup = scenario.id === "local"
    ? localPublishes(scenario.subscribers)
    : scenario.id === "churn"
    ? churn()
    : await natsPersistent(scenario.wsUrl);
  const start = await snapshot();
  await setup.run(scenario.warmup);
  const warm = await snapshot();
  const began = performance.now();
  await setup.run(scenario.units);
  const seconds = (performance.now() - began) / 1000;
  const end = await snapshot();
  await setup.run(scenario.units);
  const again = await snapshot();
  await setup.close();
  const report: ChildReport = { start, warm, end, again, seconds };
  console.log(JSON.stringify(report));
}

if (import.meta.main) {
  if (Deno.args[0] !== "--child" || Deno.args[1] === undefined) {
    throw new Error("memory.ts is run by main.ts (as `--child SCENARIO`)");
  }
  await child(Deno.args[1]);
}
