// Fault scenarios: slow and failing consumers on the nats transport.
// (a) a group handler slower than ackWait is not redelivered while it works;
// (b) a group handler that always throws ends in the dead-letter subject
//     after maxDeliver attempts while other events keep flowing;
// (c) a slow `events()` reader: drop-oldest drops and counts exactly what it
//     did not read, in order, with bounded memory; `overflow: "error"` ends
//     the iterator with OverflowError.
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { z } from "zod";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { defineEvents, type ErrorContext, OverflowError } from "../../mod.ts";
import { createEventBus } from "../../src/config/mod.ts";
import { startNatsServer } from "../nats_server.ts";
import { Accounting, sleep } from "./_accounting.ts";
import {
  closeAll,
  names,
  NO_SANITIZERS,
  openWatched,
  reportKinds,
  type WatchedBus,
} from "./_buses.ts";

Deno.test({
  name:
    "faults: a group handler slower than ackWait is handled once and acked, never redelivered while it works",
  ...NO_SANITIZERS,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "slowack";
    const ACK_WAIT = 1000;
    const SLOW_MS = 2500;
    const nats = { storage: "memory" as const, ackWait: ACK_WAIT };
    const buses: WatchedBus[] = [];
    try {
      for (const name of ["pub", "m1", "m2"]) {
        buses.push(await openWatched(name, server.wsUrl, tag, nats));
      }
      const [pub, m1, m2] = buses;
      const acc = new Accounting("consumers-slow-handler");
      const SLOW = new Set([3, 11]);
      const starts = new Map<number, string[]>();
      const subs = [m1, m2].map((m) => {
        const handled = acc.group("g", m.name);
        return m.bus.subscribe("order.*", async (e) => {
          starts.set(e.data.n, [...starts.get(e.data.n) ?? [], m.name]);
          await sleep(SLOW.has(e.data.n) ? SLOW_MS : 1);
          handled(e.id);
        }, { group: "g" });
      });
      await Promise.all(subs.map((s) => s.ready));
      for (let n = 0; n < 20; n++) {
        await acc.publish((id) =>
          pub.bus.publish("order.placed", { n }, { id })
        );
      }
      // Quiet for more than 2 x ackWait after the last handling: a
      // redelivery would show up as a second start.
      const waited = await acc.settle(15_000, 2 * ACK_WAIT + 500);
      const jsm = await jetstreamManager(
        pub.bus.connection as unknown as NatsConnection,
      );
      const info = await jsm.consumers.info(names(tag).stream, "g");
      acc.print();
      console.log(
        `consumers-slow-handler details: ackWait ${ACK_WAIT} ms, slow handlers ${SLOW_MS} ms for n=${
          [...SLOW].join(",")
        } (started by ${
          [...SLOW].map((n) => starts.get(n)?.join("+")).join(", ")
        }); all handled ${waited} ms after the last publish; consumer: ack pending ${info.num_ack_pending}, redelivered ${info.num_redelivered}, pending ${info.num_pending}; reports ${
          JSON.stringify(reportKinds(buses))
        }`,
      );
      acc.assertNoLoss();
      for (const [n, by] of starts) {
        assert.equal(by.length, 1, `n=${n} started ${by.length} times (${by})`);
      }
      assert.equal(acc.tally()[0].duplicates, 0);
      assert.equal(info.num_ack_pending, 0, "every event acked");
      assert.equal(info.num_redelivered, 0, "nothing redelivered");
      assert.equal(info.num_pending, 0);
    } finally {
      await closeAll(buses);
    }
  },
});

Deno.test({
  name:
    "faults: a group handler that always throws dead-letters its event after maxDeliver attempts while other events keep flowing",
  ...NO_SANITIZERS,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "poison";
    const { stream, prefix } = names(tag);
    const MAX_DELIVER = 3;
    const nats = {
      storage: "memory" as const,
      maxDeliver: MAX_DELIVER,
      ackWait: 2000,
    };
    const buses: WatchedBus[] = [];
    try {
      for (const name of ["pub", "fanout", "m1", "m2"]) {
        buses.push(await openWatched(name, server.wsUrl, tag, nats));
      }
      const [pub, fan, m1, m2] = buses;
      const acc = new Accounting("consumers-dead-letter");
      const POISON = 5;
      let poisonId = "";
      const attempts: { at: number; member: string }[] = [];
      const handledAt = new Map<number, number>();
      const seen = acc.fanout("sub");
      // ">" covers the dead-letter subject too; it must never reach here.
      const fanSub = fan.bus.subscribe(">", (e) => seen(e.id));
      const subs = [m1, m2].map((m) => {
        const handled = acc.group("g", m.name);
        return m.bus.subscribe("order.*", async (e) => {
          await sleep(1);
          if (e.data.n === POISON) {
            attempts.push({ at: Date.now(), member: m.name });
            throw new Error(`poisoned event ${e.id}`);
          }
          handledAt.set(e.data.n, Date.now());
          handled(e.id);
        }, { group: "g" });
      });
      await Promise.all([fanSub.ready, ...subs.map((s) => s.ready)]);

      const N = 40;
      for (let n = 0; n < N; n++) {
        await acc.publish((id) => {
          if (n === POISON) poisonId = id;
          return pub.bus.publish("order.placed", { n }, { id });
        });
        await sleep(25); // spread over ~1 s: the retries overlap the flow
      }

      // Read the dead letter with a plain JetStream consumer.
      const nc = pub.bus.connection as unknown as NatsConnection;
      const dlqSubject = `${prefix}.dlq.order.placed`;
      const consumer = await jetstream(nc).consumers.get(stream, {
        filter_subjects: dlqSubject,
      });
      const letter = await consumer.next({ expires: 10_000 });
      assert.ok(letter, "a dead letter within 10 s");
      const letterId = letter.headers?.get("ce-id") ?? "";
      if (letterId !== "") acc.deadLettered("g", letterId);
      const waited = await acc.settle(10_000, 1500); // a 4th attempt shows here
      const jsm = await jetstreamManager(nc);
      const dlqCount = (await jsm.streams.info(stream, {
        subjects_filter: `${prefix}.dlq.>`,
      })).state.subjects?.[dlqSubject] ?? 0;
      const first = attempts[0]?.at ?? 0;
      const last = attempts.at(-1)?.at ?? 0;
      const during = [...handledAt.values()]
        .filter((t) => t > first && t < last).length;

      acc.print(` (poison attempts ${attempts.length})`);
      console.log(
        `consumers-dead-letter details: attempts by ${
          attempts.map((a) => a.member).join(",")
        } over ${
          last - first
        } ms, ${during} other events handled meanwhile; dead letter: reason "${
          letter.headers?.get("mcb-dlq-reason")
        }", attempts ${
          letter.headers?.get("mcb-dlq-attempts")
        }; ${dlqCount} message(s) on ${dlqSubject}; all handled ${waited} ms after the last publish; reports ${
          JSON.stringify(reportKinds(buses))
        }`,
      );

      assert.equal(letterId, poisonId, "the dead letter is the poisoned event");
      assert.equal(attempts.length, MAX_DELIVER, "attempts = maxDeliver");
      assert.equal(dlqCount, 1, "one dead letter");
      assert.match(
        letter.headers?.get("mcb-dlq-reason") ?? "",
        new RegExp(`poisoned event ${poisonId}`),
      );
      assert.equal(
        letter.headers?.get("mcb-dlq-attempts"),
        String(MAX_DELIVER),
      );
      assert.equal(letter.headers?.get("mcb-dlq-group"), "g");
      assert.equal(
        letter.headers?.get("mcb-dlq-subject"),
        `${prefix}.order.placed`,
      );
      assert.deepEqual(letter.json(), { n: POISON });
      assert.ok(during > 0, "other events were handled between the attempts");
      // The poisoned event reached the fan-out subscriber once (it is an
      // ordinary event there); its dead letter never did.
      const [fanTally, groupTally] = acc.tally();
      assert.equal(fanTally.duplicates, 0);
      assert.equal(groupTally.deadLettered, 1);
      assert.equal(
        m1.bus.stats().handlerErrors + m2.bus.stats().handlerErrors,
        MAX_DELIVER,
      );
      acc.assertNoLoss();
    } finally {
      await closeAll(buses);
    }
  },
});

/** Events with a payload big enough that keeping them all would show. */
const blobs = defineEvents({
  "blob.put": z.object({ n: z.number().int(), pad: z.string() }),
});
const PAD = "x".repeat(16 * 1024);
const MB = 1024 * 1024;

/**
 * The heap in use after a full garbage collection (V8's `gc`, exposed at
 * run time the way Node allows), so that garbage of the burst does not
 * count as growth.
 */
function liveHeap(): number {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  gc();
  return Deno.memoryUsage().heapUsed;
}

function openBlobBus(
  url: string,
  tag: string,
  reports: ErrorContext[] = [],
) {
  const { stream, prefix } = names(tag);
  return createEventBus(blobs, {
    transport: "nats",
    onError: (_e, context) => reports.push(context),
    nats: { servers: url, stream, subjectPrefix: prefix, storage: "memory" },
  });
}

Deno.test({
  name:
    "faults: a slow events() reader (buffer 16, drop-oldest) while 2,000 events arrive: drops counted exactly, order kept, heap bounded; overflow: error ends with OverflowError",
  ...NO_SANITIZERS,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "overflow";
    const reports: ErrorContext[] = [];
    await using pub = await openBlobBus(server.wsUrl, tag);
    await using sub = await openBlobBus(server.wsUrl, tag, reports);
    const TOTAL = 2000;
    const BUFFER = 16;

    const heapBefore = liveHeap();
    const heap: number[] = [];
    const sampler = setInterval(
      () => heap.push(Deno.memoryUsage().heapUsed),
      20,
    );
    const stream = sub.events("blob.put", { buffer: BUFFER });
    await stream.ready;
    // The test's own record of what reached the subscriber's bus: a plain
    // handler beside the slow reader (not the bus's counters).
    const seen = new Map<string, number>();
    const recorder = sub.subscribe("blob.put", (e) => {
      seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
    });
    await recorder.ready;
    const read: number[] = [];
    const reading = (async () => {
      for await (const e of stream) {
        read.push(e.data.n);
        await sleep(10); // ~100 events/s: far behind the publisher
      }
    })();
    const acked: string[] = [];
    const started = Date.now();
    // Up to 64 in flight, issued in n order on one connection, so that
    // stream order is n order (one at a time would be slow: each 16 KB
    // publish waits for its ack over Deno's WebSocket).
    const window = new Set<Promise<void>>();
    for (let n = 0; n < TOTAL; n++) {
      while (window.size >= 64) await Promise.race(window);
      const p: Promise<void> = pub.publish("blob.put", { n, pad: PAD })
        .then((e) => void acked.push(e.id))
        .finally(() => window.delete(p));
      window.add(p);
    }
    await Promise.all(window);
    const publishedIn = Date.now() - started;
    // Everything reached the subscription; the reader catches up with
    // what the buffer kept.
    const until = Date.now() + 15_000;
    while (
      (seen.size < TOTAL || read.length + stream.dropped < TOTAL) &&
      Date.now() < until
    ) await sleep(20);
    clearInterval(sampler);
    // Still subscribed: what the bus holds for the reader now.
    const growth = liveHeap() - heapBefore;
    const peak = Math.max(...heap) - heapBefore;
    await stream.return?.();
    await reading;
    recorder.unsubscribe();

    const delivered = seen.size;
    const lost = acked.filter((id) => !seen.has(id)).length;
    const repeated = [...seen.values()].filter((n) => n > 1).length;
    // What the reader missed, from its own n values (strictly increasing).
    const missed = TOTAL - read.length;
    console.log(
      `consumers-overflow (events() drop-oldest, buffer ${BUFFER}): published ${TOTAL} / acknowledged ${acked.length} / delivered ${delivered} / duplicates ${repeated} / lost ${lost} / read ${read.length} / dropped ${stream.dropped} (missed by the reader ${missed}; stats().dropped ${sub.stats().dropped}; overflow reports ${
        reports.filter((r) => r.kind === "overflow").length
      }; live heap growth ${(growth / MB).toFixed(1)} MB (peak with garbage ${
        (peak / MB).toFixed(1)
      } MB), all events carried ${
        (TOTAL * PAD.length / MB).toFixed(0)
      } MB; published in ${publishedIn} ms)`,
    );
    assert.equal(acked.length, TOTAL);
    assert.equal(lost, 0, "every acknowledged event reached the subscriber");
    assert.equal(delivered, TOTAL, "every event reached the subscriber");
    assert.equal(repeated, 0, "none twice");
    assert.ok(missed > 0, "the reader fell behind");
    assert.equal(stream.dropped, missed, "the drops counted = the ones missed");
    assert.equal(sub.stats().dropped, missed);
    for (let i = 1; i < read.length; i++) {
      assert.ok(read[i] > read[i - 1], `out of order at ${i}: ${read[i]}`);
    }
    assert.equal(read.at(-1), TOTAL - 1, "the newest events are kept");
    assert.ok(
      reports.some((r) => r.kind === "overflow"),
      "the overflow was reported",
    );
    assert.ok(
      growth < 20 * MB,
      `live heap grew ${(growth / MB).toFixed(1)} MB (over 20 MB)`,
    );

    // overflow: "error": the iterator ends with OverflowError.
    const strict = sub.events("blob.put", {
      buffer: BUFFER,
      overflow: "error",
    });
    await strict.ready;
    let strictRead = 0;
    const ending = (async () => {
      try {
        for await (const _ of strict) {
          strictRead++;
          await sleep(10);
        }
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    for (let n = 0; n < 200; n++) {
      await pub.publish("blob.put", { n: TOTAL + n, pad: "" });
    }
    const error = await Promise.race([ending, sleep(10_000)]);
    console.log(
      `consumers-overflow (events() overflow: "error", buffer ${BUFFER}): read ${strictRead} of 200, then ${error}`,
    );
    assert.ok(error instanceof OverflowError, String(error));
    assert.equal(error.buffer, BUFFER);
    assert.equal(
      sub.hasSubscribers("blob.put"),
      false,
      "its subscription ended",
    );
    assert.deepEqual(await strict.next(), { value: undefined, done: true });
  },
});
