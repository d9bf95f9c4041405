// Fault scenario: a group member PROCESS dies mid-handler. A subscriber
// process (tests/faults/fixtures/group_member.ts) joins group "g" and blocks
// forever in the handler of one chosen event; while it blocks, the event
// stays claimed (no redelivery to the other member); once the process is
// killed with SIGKILL, the event is redelivered after ackWait to the other
// member (a bus in this process). The process is then started again and
// shares the rest. Every event must be handled at least once.
import assert from "node:assert/strict";
import { startNatsServer } from "../nats_server.ts";
import { readOrderIds } from "./_stream.ts";
import { Accounting, sleep } from "./_accounting.ts";
import {
  closeAll,
  names,
  NO_SANITIZERS,
  openWatched,
  reportKinds,
  type WatchedBus,
} from "./_buses.ts";
import { LineProcess } from "../_child.ts";

const MEMBER = new URL("./fixtures/group_member.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/** One group member process and the lines it printed. */
class MemberProcess {
  readonly lines: string[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  readonly stderr: Promise<string>;
  #process: LineProcess;

  constructor(
    readonly name: string,
    args: string[],
    onLine: (line: string) => void,
  ) {
    this.#process = new LineProcess(
      Deno.execPath(),
      ["run", "-A", "--config", CONFIG, MEMBER, ...args],
      (line) => {
        this.lines.push(line);
        onLine(line);
      },
    );
    this.status = this.#process.status;
    this.stderr = this.#process.stderr;
  }

  /** Waits until `line` was printed; throws (with stderr) after `ms`. */
  async waitFor(line: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.lines.includes(line)) {
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(
          `${this.name}: no "${line}" after ${ms} ms; stderr:\n${await this
            .stderr}`,
        );
      }
      await sleep(10);
    }
  }

  kill(): void {
    this.#process.kill();
  }

  /** Ends stdin (the member closes its bus and exits); SIGKILL after `ms`. */
  finish(ms: number): Promise<Deno.CommandStatus> {
    return this.#process.finish(ms);
  }
}

Deno.test({
  name:
    "faults: a group member process killed (SIGKILL) mid-handler: its event is redelivered after ackWait, every event handled",
  ...NO_SANITIZERS,
  fn: async () => {
    const started = Date.now();
    await using server = await startNatsServer();
    const tag = "memberkill";
    const { stream, prefix } = names(tag);
    const ACK_WAIT = 2000;
    const nats = { storage: "file" as const, ackWait: ACK_WAIT };
    const buses: WatchedBus[] = [];
    const children: MemberProcess[] = [];
    try {
      const pub = await openWatched("pub", server.wsUrl, tag, nats);
      buses.push(pub);
      const acc = new Accounting("group-member-kill");
      const N = 60;
      const ids = Array.from({ length: N }, () => acc.nextId());
      const BLOCK = ids[10];
      const publish = async (from: number, to: number) => {
        for (let n = from; n < to; n++) {
          await acc.publish(
            (id) => pub.bus.publish("order.placed", { n }, { id }),
            ids[n],
          );
        }
      };
      const spawn = (name: string, block?: string) => {
        const handled = acc.group("g", name);
        const child = new MemberProcess(
          name,
          [
            server.wsUrl,
            stream,
            prefix,
            String(ACK_WAIT),
            ...block ? [block] : [],
          ],
          (line) => {
            const [what, id] = line.split(" ");
            if (what === "handled") handled(id);
          },
        );
        children.push(child);
        return child;
      };

      // 1. The process is the only member; it blocks in event 10.
      const first = spawn("proc1", BLOCK);
      await first.waitFor("ready", 20_000);
      await publish(0, 20);
      await first.waitFor(`handling ${BLOCK}`, 10_000);

      // 2. A member in this process joins; while the process blocks (alive,
      // its bus keeps the event claimed) the event is not redelivered.
      const m1 = await openWatched("m1", server.wsUrl, tag, nats);
      buses.push(m1);
      const handledHere = acc.group("g", "m1");
      let blockedAt = 0;
      const sub = m1.bus.subscribe("order.*", async (e) => {
        await sleep(1);
        if (e.id === BLOCK) blockedAt = Date.now();
        handledHere(e.id);
      }, { group: "g" });
      await sub.ready;
      await sleep(ACK_WAIT + 500);
      assert.equal(blockedAt, 0, "no redelivery while the process works");

      // 3. SIGKILL mid-handler; events keep coming meanwhile.
      first.kill();
      const killedAt = Date.now();
      const status = await first.status;
      assert.equal(status.signal, "SIGKILL");
      await publish(20, 40);
      const until = Date.now() + 15_000;
      while (blockedAt === 0 && Date.now() < until) await sleep(10);
      assert.ok(blockedAt > 0, `${BLOCK} was never redelivered`);
      const redeliveredAfter = blockedAt - killedAt;

      // 4. The process starts again and shares the rest with m1.
      const second = spawn("proc2");
      await second.waitFor("ready", 20_000);
      await publish(40, N);
      const waited = await acc.settle(15_000, ACK_WAIT + 500);
      const exit = await second.finish(5000);

      const by = (name: string) =>
        children.find((c) => c.name === name)?.lines
          .filter((l) => l.startsWith("handled")).length ?? 0;
      acc.print();
      console.log(
        `group-member-kill details: proc1 handled ${
          by("proc1")
        } then was killed in ${BLOCK}; redelivered to m1 ${redeliveredAfter} ms after the kill (ackWait ${ACK_WAIT}); proc2 handled ${
          by("proc2")
        }, m1 ${m1.bus.stats().delivered}; all handled ${waited} ms after the last publish; reports ${
          JSON.stringify(reportKinds(buses))
        }; ${Date.now() - started} ms in all`,
      );
      assert.equal(exit.code, 0, `proc2 exit: ${await second.stderr}`);
      assert.ok(
        !first.lines.includes(`handled ${BLOCK}`),
        "proc1 never finished it",
      );
      assert.ok(
        redeliveredAfter < ACK_WAIT + 3000,
        `redelivered ${redeliveredAfter} ms after the kill`,
      );
      assert.ok(by("proc2") > 0, "the restarted process took part");
      // One member process died mid-handler: at most what it held (its
      // fetch, 16 events) comes back to another member. Publishes never
      // fail here.
      acc.assertDelivery({ groupDuplicatesAtMost: 16, rejectionsAtMost: 0 });
      acc.assertStream(await readOrderIds(server.natsUrl, tag));
    } finally {
      for (const child of children) child.kill();
      await Promise.allSettled(children.map((c) => c.status));
      await closeAll(buses);
    }
  },
});
