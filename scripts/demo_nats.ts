/**
 * The NATS demo (`deno task demo:nats`): two instances of an application,
 * in two processes, exchange events through a local `nats-server`.
 *
 * 1. Starts `nats-server` (JetStream in a temp dir, WebSocket, 127.0.0.1
 *    only; via `tests/nats_server.ts`). Without one installed it says how to
 *    install it and exits 1.
 * 2. Spawns `scripts/demo/nats_instance.ts` twice, as A (indexer) and B
 *    (cache), configured by environment variables only, and prints their
 *    output prefixed with their name.
 * 3. Waits until: B reacted to A's `indexing.completed` with a
 *    `cache.invalidate` that A received; the six `search.executed` were each
 *    handled by one member of the group `search-audit`; a late subscriber on
 *    B replayed the indexing history (`from: "all"`).
 * 4. Tells both to stop, checks what they reported, stops the server and
 *    exits 0 (1 on any failure, or after 14 s).
 *
 * @module
 */

import { natsServerPath, startNatsServer } from "../tests/nats_server.ts";

const DEADLINE_MS = 14_000;
const SEARCHES = 6;
const started = performance.now();
const elapsed = () => ((performance.now() - started) / 1000).toFixed(1);
const say = (text: string) => console.log(`[demo] ${text}`);

try {
  natsServerPath();
} catch {
  console.error(
    "[demo] nats-server not found (searched PATH, /usr/sbin, /usr/bin, /usr/local/bin).\n" +
      "[demo] This demo needs nats-server 2.9+ (JetStream, WebSocket). Install it:\n" +
      "         Debian/Ubuntu: sudo apt-get install -y nats-server\n" +
      "         macOS:         brew install nats-server\n" +
      "         other:         https://github.com/nats-io/nats-server/releases " +
      "(put the binary on PATH)",
  );
  Deno.exit(1);
}

/** What the parent watches for in the instances' output. */
const progress = {
  invalidateReceived: false,
  replayed: false,
  handled: new Map<string, string[]>(), // query -> instances that handled it
  closed: new Set<string>(),
};

function watch(name: string, line: string): void {
  const query = line.match(/group "search-audit": handled search "([^"]+)"/);
  if (query) {
    progress.handled.set(query[1], [
      ...progress.handled.get(query[1]) ?? [],
      name,
    ]);
  }
  if (name === "A" && line.startsWith("received cache.invalidate")) {
    progress.invalidateReceived = true;
  }
  if (name === "B" && line.startsWith("replay complete")) {
    progress.replayed = true;
  }
  if (line.startsWith("closed;")) progress.closed.add(name);
}

const done = () =>
  progress.invalidateReceived && progress.replayed &&
  progress.handled.size === SEARCHES;

let wake = () => {};

/** Prints a stream line by line with a prefix, feeding `watch`. */
async function pipeLines(
  name: string,
  stream: ReadableStream<Uint8Array>,
  isStderr: boolean,
): Promise<void> {
  let rest = "";
  const emit = (line: string) => {
    console.log(`[${name}${isStderr ? "!" : ""}]    ${line}`);
    if (!isStderr) watch(name, line);
    wake();
  };
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + text).split("\n");
    rest = lines.pop()!;
    lines.forEach(emit);
  }
  if (rest) emit(rest);
}

interface Instance {
  name: string;
  child: Deno.ChildProcess;
  output: Promise<void[]>;
}

function spawn(name: string, wsUrl: string): Instance {
  const script = new URL("./demo/nats_instance.ts", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-env",
      "--allow-net=127.0.0.1",
      script.pathname,
      "--name",
      name,
    ],
    env: {
      MCB_EVENT_BUS_TRANSPORT: "nats",
      MCB_EVENT_BUS_NATS_SERVERS: wsUrl,
      MCB_EVENT_BUS_SOURCE: `/demo/nats/${name}`,
      NO_COLOR: "1",
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = Promise.all([
    pipeLines(name, child.stdout, false),
    pipeLines(name, child.stderr, true),
  ]);
  return { name, child, output };
}

async function stop(instance: Instance): Promise<void> {
  const writer = instance.child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("stop\n")).catch(() => {});
  await writer.close().catch(() => {});
}

/** Resolves when `condition()` holds; false after the deadline. */
async function until(condition: () => boolean): Promise<boolean> {
  while (!condition()) {
    const left = DEADLINE_MS - (performance.now() - started);
    if (left <= 0) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 250));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  return true;
}

function check(instances: Instance[], codes: number[]): string[] {
  const problems: string[] = [];
  codes.forEach((code, i) => {
    if (code !== 0) problems.push(`${instances[i].name} exited with ${code}`);
  });
  if (!progress.invalidateReceived) {
    problems.push("A never received cache.invalidate from B");
  }
  if (!progress.replayed) problems.push("B's late replay did not complete");
  for (let i = 1; i <= SEARCHES; i++) {
    const by = progress.handled.get(`query ${i}`) ?? [];
    if (by.length !== 1) {
      problems.push(
        `search "query ${i}" handled ${by.length} times (${by.join(", ")})`,
      );
    }
  }
  return problems;
}

async function main(): Promise<number> {
  await using server = await startNatsServer();
  say(
    `nats-server up at ${server.wsUrl} (JetStream store ${server.storeDir}), ` +
      `${elapsed()} s`,
  );
  const instances = ["A", "B"].map((name) => spawn(name, server.wsUrl));
  say("spawned A (indexer) and B (cache): scripts/demo/nats_instance.ts");

  const finished = await until(done);
  if (!finished) say(`not done after ${DEADLINE_MS / 1000} s; stopping`);
  await Promise.all(instances.map(stop));
  const exits = instances.map((i) =>
    Promise.race([
      i.child.status,
      new Promise<null>((r) => setTimeout(() => r(null), 3000)),
    ])
  );
  const statuses = await Promise.all(exits);
  statuses.forEach((s, i) => {
    if (s === null) instances[i].child.kill("SIGKILL");
  });
  const codes = await Promise.all(
    instances.map(async (i) => (await i.child.status).code),
  );
  await Promise.all(instances.map((i) => i.output));

  const problems = check(instances, codes);
  const byInstance = (name: string) =>
    [...progress.handled].filter(([, by]) => by.includes(name)).length;
  const once = [...progress.handled.values()].filter((by) => by.length === 1);
  say(
    `group "search-audit": A handled ${byInstance("A")}, B handled ` +
      `${byInstance("B")}; ${once.length} of ${SEARCHES} searches handled ` +
      `exactly once`,
  );
  await server.stop();
  if (problems.length > 0) {
    for (const p of problems) say(`FAILED: ${p}`);
    return 1;
  }
  say(`ok: both instances stopped, nats-server stopped, ${elapsed()} s`);
  return 0;
}

Deno.exit(await main());
