// Shared by tests/faults/*_test.ts (not a test file): the ACCOUNTING every
// fault scenario ends with. Each publish is recorded with its event id (the
// scenario passes `{ id }` to `publish`, so even a rejected publish has a
// known id); each delivery is recorded per fan-out subscriber and per group
// member. The rules (`assertDelivery`), which are README's promises:
// - every event whose `publish` resolved reaches every fan-out subscriber
//   and is handled by one member of every group (or dead-lettered by it);
// - a fan-out subscriber never sees an id twice;
// - a group handles an id more than once only for events in flight at a
//   fault, so its duplicates are at most the bound the scenario gives;
// - an id that one sink saw (a rejected publish that was stored anyway
//   included) every sink saw;
// - rejections stay under the scenario's bound, and are typed;
// - read back from the stream itself (`assertStream`, raw nats.js over TCP),
//   every acknowledged id is stored exactly once, no other id at all.
import assert from "node:assert/strict";

/** Names of the errors a `publish` may reject with in a fault scenario. */
export const TYPED_PUBLISH_ERRORS: readonly string[] = [
  "PublishTimeoutError",
  "PublishRejectedError",
  "BusClosedError",
];

/** What happened to one `publish`. */
type Outcome =
  | { state: "pending" }
  | { state: "acked" }
  | { state: "rejected"; error: unknown };

/** One sink's tally (see {@linkcode Accounting.tally}). */
export interface Tally {
  /** `fan-out <name>` or `group <name>`. */
  label: string;
  /** Publishes started. */
  published: number;
  /** Publishes that resolved. */
  acknowledged: number;
  /** Publishes that rejected. */
  rejected: number;
  /** Distinct published ids delivered (acked, or rejected but stored). */
  delivered: number;
  /** Deliveries beyond the first of an id (a group: handlings beyond one). */
  duplicates: number;
  /** Acknowledged ids never delivered (nor dead-lettered). */
  lost: number;
  /** Rejected ids that were delivered anyway. */
  rejectedButStored: number;
  /** Acknowledged ids a group gave up on (in the dead-letter subject). */
  deadLettered: number;
  /** Deliveries of ids this scenario never published. */
  unknown: number;
  /** Some lost ids, for the failure message. */
  lostIds: string[];
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The ledger of one scenario: publishes by id, deliveries by sink. Use:
 * `const seen = acc.fanout("sub")` and `bus.subscribe(p, (e) => seen(e.id))`;
 * `acc.group("g", "m1")` likewise inside a group handler;
 * `await acc.publish((id) => pub.publish(type, data, { id }))` for each
 * publish; then `await acc.settle(ms)`, `acc.print()`, `acc.assertNoLoss()`.
 */
export class Accounting {
  /** The scenario name that starts each printed line. */
  readonly scenario: string;
  #prefix: string;
  #next = 0;
  #outcomes = new Map<string, Outcome>();
  #fanout = new Map<string, Map<string, number>>();
  #groups = new Map<string, Map<string, string[]>>();
  #deadLetters = new Map<string, Set<string>>();
  #unknown = new Map<string, number>();
  #untyped: unknown[] = [];

  constructor(scenario: string) {
    this.scenario = scenario;
    this.#prefix = `${scenario}-${crypto.randomUUID().slice(0, 8)}`;
  }

  /** A fresh event id for the next publish (unique per run). */
  nextId(): string {
    return `${this.#prefix}-${this.#next++}`;
  }

  /**
   * Runs `send(id)` (a `publish` with `{ id }`) and records whether it
   * resolved or rejected. Never throws: a rejection that is not one of
   * {@linkcode TYPED_PUBLISH_ERRORS} is kept and fails `assertNoLoss`.
   */
  async publish(
    send: (id: string) => Promise<unknown>,
    id: string = this.nextId(),
  ): Promise<"acked" | "rejected"> {
    assert.ok(!this.#outcomes.has(id), `id ${id} published twice`);
    this.#outcomes.set(id, { state: "pending" });
    let outcome: Outcome;
    try {
      await send(id);
      outcome = { state: "acked" };
    } catch (error) {
      outcome = { state: "rejected", error };
      const name = (error as Error)?.name;
      if (!TYPED_PUBLISH_ERRORS.includes(name)) this.#untyped.push(error);
    }
    // A promise settles once; this checks that the ledger saw it once.
    assert.equal(this.#outcomes.get(id)?.state, "pending", `id ${id}`);
    this.#outcomes.set(id, outcome);
    return outcome.state === "acked" ? "acked" : "rejected";
  }

  /** A recorder for fan-out subscriber `name`: call it with each event id. */
  fanout(name: string): (id: string) => void {
    const seen = new Map<string, number>();
    this.#fanout.set(name, seen);
    return (id) => {
      if (!this.#outcomes.has(id)) this.#count(`fan-out ${name}`);
      seen.set(id, (seen.get(id) ?? 0) + 1);
    };
  }

  /** A recorder for `member` of group `group`: call it once per handled id. */
  group(group: string, member: string): (id: string) => void {
    let handled = this.#groups.get(group);
    if (handled === undefined) {
      handled = new Map();
      this.#groups.set(group, handled);
    }
    const map = handled;
    return (id) => {
      if (!this.#outcomes.has(id)) this.#count(`group ${group}`);
      map.set(id, [...map.get(id) ?? [], member]);
    };
  }

  /** Records that group `group` dead-lettered `id` (it then is not lost). */
  deadLettered(group: string, id: string): void {
    const set = this.#deadLetters.get(group) ?? new Set<string>();
    set.add(id);
    this.#deadLetters.set(group, set);
  }

  #count(label: string): void {
    this.#unknown.set(label, (this.#unknown.get(label) ?? 0) + 1);
  }

  /** Ids whose publish resolved. */
  get acked(): string[] {
    return [...this.#outcomes].filter(([, o]) => o.state === "acked")
      .map(([id]) => id);
  }

  /** Publishes started. */
  get published(): number {
    return this.#outcomes.size;
  }

  /** Publishes that have settled (resolved or rejected). */
  get settled(): number {
    return [...this.#outcomes.values()].filter((o) => o.state !== "pending")
      .length;
  }

  /** Rejections, by error name. */
  rejections(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.#outcomes.values()) {
      if (o.state !== "rejected") continue;
      const name = (o.error as Error)?.name ?? String(o.error);
      out[name] = (out[name] ?? 0) + 1;
    }
    return out;
  }

  /** One tally per fan-out subscriber and per group. */
  tally(): Tally[] {
    const sinks: [string, (id: string) => number, Set<string>][] = [];
    for (const [name, seen] of this.#fanout) {
      sinks.push([`fan-out ${name}`, (id) => seen.get(id) ?? 0, new Set()]);
    }
    for (const [name, handled] of this.#groups) {
      sinks.push([
        `group ${name}`,
        (id) => handled.get(id)?.length ?? 0,
        this.#deadLetters.get(name) ?? new Set(),
      ]);
    }
    return sinks.map(([label, count, dead]) => {
      const t: Tally = {
        label,
        published: this.#outcomes.size,
        acknowledged: 0,
        rejected: 0,
        delivered: 0,
        duplicates: 0,
        lost: 0,
        rejectedButStored: 0,
        deadLettered: 0,
        unknown: this.#unknown.get(label) ?? 0,
        lostIds: [],
      };
      for (const [id, o] of this.#outcomes) {
        const n = count(id);
        if (n > 0) t.delivered++;
        if (n > 1) t.duplicates += n - 1;
        if (o.state === "acked") {
          t.acknowledged++;
          if (dead.has(id)) t.deadLettered++;
          else if (n === 0) {
            t.lost++;
            if (t.lostIds.length < 10) t.lostIds.push(id);
          }
        } else if (o.state === "rejected") {
          t.rejected++;
          if (n > 0 || dead.has(id)) t.rejectedButStored++;
        }
      }
      return t;
    });
  }

  /** Every id some sink saw or dead-lettered. */
  #seenAnywhere(): Set<string> {
    const ids = new Set<string>();
    for (const seen of this.#fanout.values()) {
      for (const id of seen.keys()) ids.add(id);
    }
    for (const handled of this.#groups.values()) {
      for (const id of handled.keys()) ids.add(id);
    }
    for (const dead of this.#deadLetters.values()) {
      for (const id of dead) ids.add(id);
    }
    return ids;
  }

  /**
   * Ids that one sink saw and another did not (a rejected-but-stored event
   * included: stored means every sink must get it), per sink.
   */
  inconsistent(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const all = this.#seenAnywhere();
    const check = (label: string, has: (id: string) => boolean) => {
      const missing = [...all].filter((id) => !has(id));
      if (missing.length > 0) out[label] = missing.slice(0, 10);
    };
    for (const [name, seen] of this.#fanout) {
      check(`fan-out ${name}`, (id) => seen.has(id));
    }
    for (const [name, handled] of this.#groups) {
      const dead = this.#deadLetters.get(name) ?? new Set<string>();
      check(`group ${name}`, (id) => handled.has(id) || dead.has(id));
    }
    return out;
  }

  /**
   * Every rule of the module doc that the sinks can show: no loss, no
   * fan-out repeat, group duplicates at most `groupDuplicatesAtMost`,
   * rejections at most `rejectionsAtMost`, and the sinks agree on the ids.
   */
  assertDelivery(bounds: {
    groupDuplicatesAtMost: number;
    rejectionsAtMost: number;
  }): void {
    this.assertNoLoss();
    for (const t of this.tally()) {
      if (t.label.startsWith("fan-out ")) {
        assert.equal(
          t.duplicates,
          0,
          `${this.scenario} (${t.label}): ${t.duplicates} repeated deliveries; fan-out never repeats an event`,
        );
      } else {
        assert.ok(
          t.duplicates <= bounds.groupDuplicatesAtMost,
          `${this.scenario} (${t.label}): ${t.duplicates} duplicates, more than the ${bounds.groupDuplicatesAtMost} events in flight at the faults`,
        );
      }
    }
    const rejected = this.published - this.acked.length;
    assert.ok(
      rejected <= bounds.rejectionsAtMost,
      `${this.scenario}: ${rejected} publishes rejected, more than ${bounds.rejectionsAtMost}`,
    );
    assert.deepEqual(
      this.inconsistent(),
      {},
      `${this.scenario}: ids seen by one sink but not by another`,
    );
  }

  /**
   * Compares the stream's own record (`stored`: each event id -> how many
   * messages carry it, read back by {@linkcode readStoredIds}) with the
   * ledger: every acknowledged id exactly once, a rejected id at most once,
   * nothing this scenario did not publish. Returns the line it printed.
   */
  assertStream(stored: Map<string, number>): string {
    const ids = new Set(this.#outcomes.keys());
    const acked = new Set(this.acked);
    const missing = [...acked].filter((id) => !stored.has(id));
    const repeated = [...stored].filter(([, n]) => n > 1).map(([id]) => id);
    const foreign = [...stored.keys()].filter((id) => !ids.has(id));
    const rejectedStored =
      [...stored.keys()].filter((id) => ids.has(id) && !acked.has(id)).length;
    const line = `${this.scenario} (stream read back): stored ${stored.size}` +
      ` / acknowledged ${acked.size} / missing ${missing.length}` +
      ` / stored twice ${repeated.length} / rejected but stored ${rejectedStored}` +
      ` / unknown ${foreign.length}`;
    console.log(line);
    assert.deepEqual(
      missing.slice(0, 10),
      [],
      `${line}: acknowledged, not stored`,
    );
    assert.deepEqual(repeated.slice(0, 10), [], `${line}: stored twice`);
    assert.deepEqual(foreign.slice(0, 10), [], `${line}: not published here`);
    return line;
  }

  /** Acknowledged ids still missing from some sink. */
  missing(): number {
    return this.tally().reduce((sum, t) => sum + t.lost, 0);
  }

  /**
   * Waits (polling, at most `ms`) until every publish settled and every
   * acknowledged id reached every sink, then `quiet` ms more so that late
   * duplicates show. Returns how long the wait for the missing ones took.
   */
  async settle(ms: number, quiet = 500): Promise<number> {
    const started = Date.now();
    const deadline = started + ms;
    while (
      (this.settled < this.published || this.missing() > 0) &&
      Date.now() < deadline
    ) await sleep(50);
    const took = Date.now() - started;
    await sleep(quiet);
    return took;
  }

  /** The accounting lines (one per sink). */
  lines(extra = ""): string[] {
    return this.tally().map((t) => {
      let line = `${this.scenario} (${t.label}): published ${t.published}` +
        ` / acknowledged ${t.acknowledged} / delivered ${t.delivered}` +
        ` / duplicates ${t.duplicates} / lost ${t.lost}`;
      if (t.rejected > 0) {
        line +=
          ` / rejected ${t.rejected} (rejected but stored ${t.rejectedButStored})`;
      }
      if (t.deadLettered > 0) line += ` / dead-lettered ${t.deadLettered}`;
      if (t.unknown > 0) line += ` / unknown ${t.unknown}`;
      return line + extra;
    });
  }

  /** Prints {@linkcode Accounting.lines}. */
  print(extra = ""): void {
    for (const line of this.lines(extra)) console.log(line);
  }

  /**
   * The scenario's verdict: every publish settled, every rejection typed,
   * nothing acknowledged is lost, nothing unknown was delivered.
   */
  assertNoLoss(): void {
    const pending = this.published - this.settled;
    assert.equal(pending, 0, `${pending} publishes never settled`);
    assert.deepEqual(
      this.#untyped.map(String),
      [],
      `publish rejected with an error other than ${
        TYPED_PUBLISH_ERRORS.join(" / ")
      }`,
    );
    for (const t of this.tally()) {
      assert.equal(t.unknown, 0, `${t.label}: deliveries of unknown ids`);
      assert.equal(
        t.lost,
        0,
        `${this.scenario} (${t.label}): ${t.lost} acknowledged events were never delivered, e.g. ${
          t.lostIds.join(", ")
        }`,
      );
    }
  }
}
