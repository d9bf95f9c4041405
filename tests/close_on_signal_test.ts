// closeOnSignal (adapters/close_on_signal.ts, `@mcb/event-bus/shutdown`): a
// group member process stopped with SIGTERM hands its claimed events back at
// once (another member has them within seconds, ackWait being 60 s), while
// the same process without the helper leaves them claimed until ackWait.
// The Node branch is run under the pinned Node 24.
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";
import { LineProcess } from "./_child.ts";
import { deliveryEvents, names } from "./fixtures/nats_delivery.ts";
import { createEventBus } from "../src/config/mod.ts";
import { nodeBinary } from "../scripts/runtimes/tools.ts";
import { NODE_VERSIONS } from "../scripts/runtimes/versions.ts";
import { closeOnSignal } from "../adapters/close_on_signal.ts";

const MEMBER = new URL("./fixtures/signal_member.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const EVENTS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Publishes EVENTS to group "g" of a member process, SIGTERMs it after its
 * first event, then lets a member in this process join; resolves with what
 * each handled within `waitMs` of the signal, and the process's exit.
 */
async function stopMember(
  wsUrl: string,
  mode: "helper" | "none",
  waitMs: number,
) {
  const { stream, prefix } = names(`sig_${mode}`);
  await using bus = await createEventBus(deliveryEvents, {
    transport: "nats",
    source: "/tests/signal",
    nats: { servers: wsUrl, stream, subjectPrefix: prefix, ackWait: 60_000 },
  });
  const byChild = new Set<string>();
  let ready = false;
  const child = new LineProcess(
    Deno.execPath(),
    ["run", "-A", "--config", CONFIG, MEMBER, wsUrl, stream, prefix, mode],
    (line) => {
      if (line === "ready") ready = true;
      if (line.startsWith("handled ")) byChild.add(line.slice(8));
    },
  );
  try {
    assert.ok(await until(() => ready, 15_000), "the member is ready");
    const ids: string[] = [];
    for (let n = 0; n < EVENTS; n++) {
      ids.push((await bus.publish("order.placed", { n })).id);
    }
    assert.ok(
      await until(() => byChild.size >= 1, 15_000),
      "the member handles its first event",
    );
    child.kill("SIGTERM");
    const signalled = Date.now();
    const status = await child.status;
    const byHere = new Set<string>();
    await bus.subscribe("order.*", (e) => void byHere.add(e.id), { group: "g" })
      .ready;
    const all = () => ids.every((id) => byChild.has(id) || byHere.has(id));
    const complete = await until(all, waitMs - (Date.now() - signalled));
    return {
      ids,
      byChild,
      byHere,
      status,
      complete,
      ms: Date.now() - signalled,
      ready,
    };
  } finally {
    child.kill();
    await child.status;
  }
}

Deno.test({
  name:
    "closeOnSignal: a group member stopped with SIGTERM hands its claimed events back at once; without it they wait for ackWait",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using server = await startNatsServer();
    const helped = await stopMember(server.wsUrl, "helper", 20_000);
    assert.equal(helped.status.code, 143, "exit code of SIGTERM after closing");
    assert.ok(
      helped.complete,
      `all ${EVENTS} handled within 20 s of the signal (ackWait 60 s): member ${helped.byChild.size}, other ${helped.byHere.size}`,
    );
    assert.ok(helped.byHere.size > 0, "the other member took over the rest");
    console.log(
      `closeOnSignal: SIGTERM -> the member handled ${helped.byChild.size}, the other ${helped.byHere.size}, all ${EVENTS} within ${helped.ms} ms (ackWait 60 s)`,
    );
    // The control: the same member without the helper dies at once; the
    // events it had prefetched stay claimed for ackWait.
    const bare = await stopMember(server.wsUrl, "none", 8_000);
    assert.equal(bare.status.signal, "SIGTERM", "killed by the signal itself");
    assert.ok(
      !bare.complete,
      `without the helper some events stay claimed (member ${bare.byChild.size}, other ${bare.byHere.size} of ${EVENTS} after 8 s)`,
    );
  },
});

Deno.test("closeOnSignal on Node: SIGTERM closes, then exits 143", async () => {
  const node = await nodeBinary(NODE_VERSIONS[NODE_VERSIONS.length - 1]);
  const lines: string[] = [];
  const child = new LineProcess(
    node,
    [new URL("./fixtures/signal_node.mjs", import.meta.url).pathname],
    (line) => lines.push(line),
  );
  try {
    assert.ok(
      await until(() => lines.includes("ready"), 15_000),
      `ready: ${await Promise.race([child.stderr, sleep(10).then(() => "")])}`,
    );
    child.kill("SIGTERM");
    const status = await child.status;
    await child.output;
    assert.deepEqual(lines, ["ready", "closed"]);
    assert.equal(status.code, 143);
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("closeOnSignal refuses an unknown signal, naming it", () => {
  assert.throws(
    () =>
      closeOnSignal({ close: () => Promise.resolve() }, {
        signals: ["SIGKILL" as "SIGTERM"],
      }),
    /signals must be "SIGINT", "SIGTERM" or "SIGHUP", got "SIGKILL"/,
  );
});
