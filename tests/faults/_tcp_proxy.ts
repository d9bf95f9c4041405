// A loopback TCP proxy for client-side network faults (not a test file):
// clients connect to `ws://127.0.0.1:<port>` and every byte is forwarded to
// the target port (a nats-server WebSocket listener), until the test stalls
// or cuts the path.
//
// - `stall()`: stop forwarding bytes in both directions; sockets stay open
//   (what a black-holed network looks like to both ends).
// - `cut()`: close every connection and refuse new ones (accepted and
//   closed at once) until `restore()`.
// - `restore()`: forward again (after a stall, what was held flows on).
// - `close()`: cut everything and stop listening.

const HOST = "127.0.0.1";
const CHUNK = 64 * 1024;

/** A running proxy. */
export interface TcpProxy extends AsyncDisposable {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** `ws://127.0.0.1:<port>`. */
  readonly wsUrl: string;
  /** Client connections open now. */
  readonly connections: number;
  /** Connections accepted so far (refused ones included). */
  readonly accepted: number;
  /** Connections refused while cut. */
  readonly refused: number;
  /** Stops forwarding in both directions, keeping the sockets open. */
  stall(): void;
  /** Closes every connection and refuses new ones. */
  cut(): void;
  /** Forwards again and accepts connections again. */
  restore(): void;
  /** Closes everything; idempotent. */
  close(): Promise<void>;
}

type Pair = { client: Deno.Conn; upstream: Deno.Conn; closed: boolean };

class Proxy implements TcpProxy {
  readonly port: number;
  accepted = 0;
  refused = 0;
  #listener: Deno.Listener;
  #targetPort: number;
  #pairs = new Set<Pair>();
  #tasks = new Set<Promise<void>>();
  #state: "open" | "stalled" | "cut" = "open";
  #gate: Promise<void> = Promise.resolve();
  #openGate: () => void = () => {};
  #closed = false;
  #acceptLoop: Promise<void>;

  constructor(targetPort: number) {
    this.#targetPort = targetPort;
    this.#listener = Deno.listen({ hostname: HOST, port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#acceptLoop = this.#accept();
  }

  get wsUrl(): string {
    return `ws://${HOST}:${this.port}`;
  }

  get connections(): number {
    return this.#pairs.size;
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        this.accepted++;
        if (this.#state === "cut" || this.#closed) {
          this.refused++;
          closeQuietly(client);
          continue;
        }
        this.#track(this.#connect(client));
      }
    } catch {
      // The listener was closed.
    }
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #connect(client: Deno.Conn): Promise<void> {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({
        hostname: HOST,
        port: this.#targetPort,
      });
    } catch {
      closeQuietly(client);
      return;
    }
    if (this.#state === "cut" || this.#closed) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    const pair: Pair = { client, upstream, closed: false };
    this.#pairs.add(pair);
    await Promise.all([
      this.#pump(pair, client, upstream),
      this.#pump(pair, upstream, client),
    ]);
  }

  /** Copies `from` to `to` while the gate is open; ends the pair at EOF. */
  async #pump(pair: Pair, from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(CHUNK);
    try {
      while (!pair.closed) {
        await this.#gate;
        if (pair.closed) break;
        const n = await from.read(buffer);
        if (n === null) break;
        await this.#gate; // a stall that began during the read holds it
        let written = 0;
        while (written < n && !pair.closed) {
          written += await to.write(buffer.subarray(written, n));
        }
      }
    } catch {
      // A socket closed under us (cut, close, or the peer went away).
    } finally {
      this.#end(pair);
    }
  }

  #end(pair: Pair): void {
    if (pair.closed) return;
    pair.closed = true;
    this.#pairs.delete(pair);
    closeQuietly(pair.client);
    closeQuietly(pair.upstream);
  }

  stall(): void {
    if (this.#state !== "open") return;
    this.#state = "stalled";
    this.#gate = new Promise((resolve) => (this.#openGate = resolve));
  }

  cut(): void {
    this.#state = "cut";
    for (const pair of [...this.#pairs]) this.#end(pair);
    this.#openGate(); // pumps held by a stall see their pair closed and end
    this.#gate = Promise.resolve();
  }

  restore(): void {
    this.#state = "open";
    this.#openGate();
    this.#gate = Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.cut();
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    await this.#acceptLoop;
    await Promise.allSettled([...this.#tasks]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** Starts a proxy on a free 127.0.0.1 port that forwards to `targetPort`. */
export function startTcpProxy(targetPort: number): TcpProxy {
  return new Proxy(targetPort);
}
