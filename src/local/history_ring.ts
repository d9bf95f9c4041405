/**
 * The local transport's history: a bounded ring of the last published
 * events, and the resume positions that point into it.
 *
 * @module
 */

import type { CloudEvent } from "../core/envelope.ts";
import { randomId } from "../core/_clock.ts";

/**
 * The last `length` published events, by position modulo `length`. A
 * position is `l:<random bus id>:<counter>`, the counter counting every
 * publish of the bus.
 */
export class HistoryRing {
  readonly #slots: (CloudEvent | undefined)[];
  /** How many events the ring keeps. */
  readonly length: number;
  /**
   * The counter of the last published event (0 before the first); only
   * {@linkcode HistoryRing.record} changes it.
   */
  seq = 0;
  /** `l:<random bus id>:`, the prefix of this bus's positions. */
  readonly #prefix = `l:${randomId(12)}:`;

  /**
   * An empty ring.
   *
   * @param length How many events the ring keeps (at least 1).
   */
  constructor(length: number) {
    this.#slots = new Array(length);
    this.length = length;
  }

  /** The counter of the oldest event still kept (1 before it wraps). */
  get oldest(): number {
    return Math.max(1, this.seq - this.#slots.length + 1);
  }

  /** Keeps `event` as the newest one, in place of the oldest. */
  record(event: CloudEvent): void {
    const slots = this.#slots;
    slots[++this.seq % slots.length] = event;
  }

  /**
   * The position of `event`, looked for from the newest one (so it costs
   * nothing at publish, and little for recent events); `undefined` once
   * the event has left the ring.
   */
  position(event: CloudEvent): string | undefined {
    const slots = this.#slots;
    const oldest = this.oldest;
    for (let seq = this.seq; seq >= oldest; seq--) {
      if (slots[seq % slots.length] === event) return this.#prefix + seq;
    }
    return undefined;
  }

  /** The counter in one of this ring's positions, or undefined. */
  parse(position: string): number | undefined {
    if (!position.startsWith(this.#prefix)) return undefined;
    const digits = position.slice(this.#prefix.length);
    if (!/^\d{1,15}$/.test(digits)) return undefined;
    const seq = Number(digits);
    return seq <= this.seq ? seq : undefined;
  }

  /**
   * The kept events after counter `start` up to `end`, oldest first, of
   * the given types.
   */
  between(
    start: number,
    end: number,
    types: readonly string[],
  ): CloudEvent[] {
    const slots = this.#slots;
    const events: CloudEvent[] = [];
    for (let seq = Math.max(start + 1, this.oldest); seq <= end; seq++) {
      const event = slots[seq % slots.length]!;
      if (types.includes(event.type)) events.push(event);
    }
    return events;
  }
}
