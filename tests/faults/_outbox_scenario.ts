// Shared by tests/faults/outbox_*_test.ts (not a test file): one outbox
// fault scenario's world, run once on SQLite (temp files) and once on a
// private PostgreSQL: a nats-server, the databases, a bus of the test's
// own, child processes (fixtures/outbox_proc.ts), and clean-up of all of it
// even on failure. `outboxTests` registers both runs and ends each with the
// accounting line (tests/faults/_outbox_accounting.ts `account`).
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import type { EventBus } from "../../mod.ts";
import { type Relay, startRelay } from "../../src/outbox/mod.ts";
import type { DeliveryBus } from "../fixtures/nats_delivery.ts";
import { names } from "../fixtures/nats_delivery.ts";
import { type NatsServer, startNatsServer } from "../nats_server.ts";
import { type PostgresServer, startPostgres } from "../postgres_server.ts";
import { LineProcess } from "../_child.ts";
import { NO_SANITIZERS } from "./_buses.ts";
import { sleep } from "./_accounting.ts";
import { account, gather } from "./_outbox_accounting.ts";
import {
  createSchema,
  type Db,
  effectHandler,
  type Ev,
  joinGroup,
  type Kind,
  openBus,
  openDb,
  type Place,
  relayStore,
  type Writer,
  writer,
} from "./_outbox.ts";

export { sleep };
export type { Ev };

const PROC = new URL("./fixtures/outbox_proc.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

export type { ProcOptions } from "./_outbox.ts";
import type { ProcOptions } from "./_outbox.ts";

/** A child process of fixtures/outbox_proc.ts and the lines it printed. */
export class OutboxChild {
  readonly lines: string[] = [];
  /** When each line arrived here (ms since the epoch). */
  readonly times: number[] = [];
  readonly #process: LineProcess;
  constructor(place: Place, options: ProcOptions) {
    this.#process = new LineProcess(Deno.execPath(), [
      "run",
      "-A",
      "--config",
      CONFIG,
      PROC,
      JSON.stringify({ ...options, place }),
    ], (line) => {
      this.lines.push(line);
      this.times.push(Date.now());
    });
  }
  get status(): Promise<Deno.CommandStatus> {
    return this.#process.status;
  }
  /** Waits until `line` was printed; throws with stderr after `ms`. */
  async waitFor(line: string, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.lines.includes(line)) {
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(`no "${line}" after ${ms} ms: ${await this.#stderr()}`);
      }
      await sleep(10);
    }
  }
  /** SIGKILL, and the exit. */
  async kill(): Promise<Deno.CommandStatus> {
    this.#process.kill("SIGKILL");
    return await this.status;
  }
  /** Ends stdin: the child stops its relay and exits 0 (or throws). */
  async finish(): Promise<void> {
    const status = await this.#process.finish(15_000);
    if (status.code !== 0) {
      throw new Error(`child exit ${status.code}: ${await this.#stderr()}`);
    }
  }
  /** Ids of the "publish <id>" lines. */
  published(): string[] {
    return this.lines.filter((l) => l.startsWith("publish "))
      .map((l) => l.slice(8));
  }
  #stderr(): Promise<string> {
    return this.#process.stderr;
  }
}

/** One scenario run; `await using` tears everything down. */
export class Scenario implements AsyncDisposable {
  readonly children: OutboxChild[] = [];
  readonly #cleanups: (() => Promise<unknown>)[] = [];
  #writer?: Promise<Writer>;

  private constructor(
    readonly place: Place,
    readonly nats: NatsServer,
    /** The test's bus: a consumer, the test-side app's and relay's bus. */
    readonly bus: DeliveryBus,
    /** The test's connection to the app's database. */
    readonly db: Db,
  ) {}

  static async open(kind: Kind): Promise<Scenario> {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const nats = await startNatsServer();
      cleanups.push(async () => await nats[Symbol.asyncDispose]());
      let app: string, rm: string;
      if (kind === "sqlite") {
        const dir = await Deno.makeTempDir({ prefix: "outbox-faults-" });
        cleanups.push(() => Deno.remove(dir, { recursive: true }));
        [app, rm] = [`${dir}/app.sqlite`, `${dir}/rm.sqlite`];
      } else {
        const pg: PostgresServer = await startPostgres();
        cleanups.push(() => pg.stop());
        app = rm = pg.url;
      }
      const place: Place = {
        kind,
        app,
        rm,
        wsUrl: nats.wsUrl,
        natsUrl: nats.natsUrl,
        tag: "outbox",
      };
      await createSchema(place);
      const db = openDb(kind, app);
      cleanups.push(() => db.close());
      const bus = await openBus(place, "test");
      cleanups.push(() => bus.close());
      const s = new Scenario(place, nats, bus, db);
      s.#cleanups.push(...cleanups);
      return s;
    } catch (error) {
      for (const c of cleanups.reverse()) await c().catch(() => {});
      throw error;
    }
  }

  /** Starts a child process. */
  spawn(options: ProcOptions): OutboxChild {
    const child = new OutboxChild(this.place, options);
    this.children.push(child);
    return child;
  }

  /**
   * Joins group "fx" with the idempotent effect handler, on `bus` (another
   * member when given), wrapped by `wrap` (e.g. a ledger of calls).
   */
  async consume(
    wrap = (h: (e: Ev) => Promise<void>) => h,
    bus?: DeliveryBus,
  ): Promise<void> {
    const fx = await effectHandler(this.place);
    this.#cleanups.push(fx.close);
    if (bus === undefined) bus = this.bus;
    await joinGroup(bus, wrap(fx.handle));
  }

  /** Another bus on the scenario's stream, closed at the end. */
  async openBus(name: string): Promise<DeliveryBus> {
    const bus = await openBus(this.place, name);
    this.#cleanups.push(() => bus.close());
    return bus;
  }

  /** Commits orders `ns` and their events in one transaction (the test as app). */
  async commit(ns: number[]): Promise<void> {
    this.#writer ??= writer(this.bus, this.db);
    await (await this.#writer).commit(ns);
  }

  /** A relay in this process, on a store connection of its own. */
  async relay(options: { batch: number; lease: number }): Promise<Relay> {
    const { store, close } = await relayStore(this.place);
    const relay = startRelay(this.bus as unknown as EventBus, store, {
      ...options,
      interval: 50,
      onError: () => {},
    });
    this.#cleanups.push(async () => {
      await relay.stop();
      await close();
    });
    return relay;
  }

  /** Count of a query's single `n` column. */
  async count(sql: string): Promise<number> {
    const [row] = await this.db.all<{ n: number }>(sql);
    return Number(row.n);
  }

  /** Outbox rows not marked published. */
  unpublished(): Promise<number> {
    return this.count(
      "SELECT count(*) AS n FROM mcb_outbox WHERE published_at IS NULL",
    );
  }

  /** Messages in the stream (raw client). */
  async streamMessages(): Promise<number> {
    const nc = await connect({ servers: this.place.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(names(this.place.tag).stream);
      return info.state.messages;
    } finally {
      await nc.close();
    }
  }

  /** Polls `condition` every 50 ms; throws naming `what` after `ms`. */
  async until(
    condition: () => Promise<boolean>,
    what: string,
    ms = 30_000,
  ): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await sleep(50);
    }
  }

  /** Waits until every row is marked published and every event has its effect. */
  async drained(): Promise<void> {
    await this.until(async () => await this.unpublished() === 0, "published");
    const committed = await this.count("SELECT count(*) AS n FROM orders");
    const rm = this.place.rm === this.place.app
      ? this.db
      : openDb(this.place.kind, this.place.rm);
    try {
      await this.until(async () => {
        const [row] = await rm.all<{ n: number }>(
          "SELECT count(DISTINCT id) AS n FROM effects",
        );
        return Number(row.n) >= committed;
      }, "effects");
    } finally {
      if (rm !== this.db) await rm.close();
    }
    await sleep(1000); // late redeliveries would show as duplicates
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.children.map((c) => c.kill()));
    for (const c of this.#cleanups.reverse()) await c().catch(() => {});
  }
}

/**
 * Registers `scenario` on SQLite and on PostgreSQL; each run ends with
 * `drained()` and the accounting line of `account`.
 */
export function outboxTests(
  scenario: string,
  fn: (s: Scenario) => Promise<void>,
): void {
  for (const kind of ["sqlite", "postgres"] as const) {
    const label = kind === "sqlite" ? "SQLite" : "PostgreSQL";
    Deno.test({
      name: `faults: outbox ${scenario} (${label})`,
      ...NO_SANITIZERS,
      fn: async () => {
        await using s = await Scenario.open(kind);
        await fn(s);
        await s.drained();
        account(`${scenario} (${label})`, await gather(s.place));
      },
    });
  }
}
