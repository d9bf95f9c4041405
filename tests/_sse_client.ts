/**
 * Test helper (not a test file): a client for `text/event-stream` bodies
 * that parses them exactly as the HTML standard's EventSource does (UTF-8
 * with a leading BOM dropped, CRLF / CR / LF line breaks even across
 * chunks, comments, one leading space stripped, `data` lines joined by LF,
 * `id` with NUL ignored, `retry` digits only), so tests see what a browser
 * would.
 * @module
 */

/** A dispatched message, as `EventSource` would fire it. */
export interface SseEvent {
  /** `event:` or "message". */
  type: string;
  /** The `data:` lines joined by LF. */
  data: string;
  /** The last event ID after this message (what a reconnect would send). */
  lastEventId: string;
  /** The `id:` field of this very message, if it had one. */
  id?: string;
}

/** Incremental parser; `feed()` returns the messages each chunk completes. */
export class SseParser {
  lastEventId = "";
  retry: number | undefined;
  comments: string[] = [];
  #decoder = new TextDecoder("utf-8", { ignoreBOM: false });
  #buffer = "";
  #pendingCR = false;
  #type = "";
  #data = "";
  #idBuffer = "";
  #idSeen: string | undefined;

  feed(chunk: Uint8Array | string, end = false): SseEvent[] {
    let text = typeof chunk === "string"
      ? chunk
      : this.#decoder.decode(chunk, { stream: !end });
    if (this.#pendingCR) {
      this.#pendingCR = false;
      if (text.startsWith("\n")) text = text.slice(1); // CRLF split in two
    }
    this.#buffer += text;
    const out: SseEvent[] = [];
    while (true) {
      const m = /\r\n|\r|\n/.exec(this.#buffer);
      if (m === null) break;
      // A CR at the very end may be the first half of a CRLF.
      if (m[0] === "\r" && m.index === this.#buffer.length - 1) {
        this.#pendingCR = true;
      }
      const line = this.#buffer.slice(0, m.index);
      this.#buffer = this.#buffer.slice(m.index + m[0].length);
      const event = this.#line(line);
      if (event) out.push(event);
    }
    return out;
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) {
      this.comments.push(line.slice(1).replace(/^ /, ""));
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.#type = value;
    else if (field === "data") this.#data += value + "\n";
    else if (field === "id") {
      if (!value.includes("\0")) {
        this.#idBuffer = value;
        this.#idSeen = value;
      }
    } else if (field === "retry") {
      if (/^\d+$/.test(value)) this.retry = Number(value);
    }
  }

  #dispatch(): SseEvent | undefined {
    this.lastEventId = this.#idBuffer;
    const id = this.#idSeen;
    this.#idSeen = undefined;
    if (this.#data === "") {
      this.#type = "";
      return;
    }
    const event: SseEvent = {
      type: this.#type || "message",
      data: this.#data.slice(0, -1),
      lastEventId: this.lastEventId,
      ...(id === undefined ? {} : { id }),
    };
    this.#type = "";
    this.#data = "";
    return event;
  }
}

/** Reads a response body in the background and collects its messages. */
export class SseReader {
  readonly parser = new SseParser();
  readonly events: SseEvent[] = [];
  ended = false;
  error: unknown;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #done: Promise<void>;

  constructor(response: Response) {
    if (response.body === null) throw new Error("response has no body");
    this.#reader = response.body.getReader();
    this.#done = this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (true) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        this.events.push(...this.parser.feed(value));
      }
      this.events.push(...this.parser.feed(new Uint8Array(), true));
    } catch (error) {
      this.error = error;
    } finally {
      this.ended = true;
    }
  }

  /** Messages of type `type` (other than gap and the like). */
  ofType(type: string): SseEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Waits until `check()` holds; throws after `ms`. */
  async waitFor(what: string, check: () => boolean, ms = 5000) {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out (${ms} ms) waiting for ${what}; got ${
            JSON.stringify(this.events.map((e) => [e.type, e.id]))
          }`,
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops reading (cancels the body, as a client going away does). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    await this.#done;
  }

  /** Resolves when the body ended by itself. */
  closed(): Promise<void> {
    return this.#done;
  }
}
