/**
 * Test helper (not a test file): runs a real `nats-server` (JetStream +
 * WebSocket by default, 127.0.0.1 only) for integration tests, e.g.
 * `await using server = await startNatsServer(); wsconnect({ servers: server.wsUrl })`.
 *
 * Environment (so a whole suite can run on another server unchanged):
 * - `MCB_NATS_SERVER=/path/to/nats-server`: the binary to run (default: the
 *   first `nats-server` on PATH, /usr/sbin, /usr/bin, /usr/local/bin). The
 *   pinned 2.10 is installed by `deno run -A scripts/runtimes/nats_server.ts install`.
 * - `MCB_NATS_SYNC=always` (or a duration such as `10s`): written as
 *   `sync_interval` in the `jetstream { }` block (nats-server 2.10+; 2.9
 *   refuses to start with it).
 * @module
 */

/** A user of the generated `authorization { users = [...] }` block. */
export interface NatsUser {
  /** User name. */
  user: string;
  /** Password (written as `password` in the config). */
  pass: string;
  /** Optional publish/subscribe permissions: a subject list (= allow) or allow/deny lists. */
  permissions?: {
    publish?: string[] | { allow?: string[]; deny?: string[] };
    subscribe?: string[] | { allow?: string[]; deny?: string[] };
  };
}

/** Options of {@linkcode startNatsServer}. */
export interface NatsServerOptions {
  /** Enable JetStream (default true); its store is `storeDir`. */
  jetstream?: boolean;
  /** Enable the WebSocket listener (default true), without TLS unless `tls` is given. */
  websocket?: boolean;
  /** `authorization { token }`. Cannot be combined with `users`. */
  token?: string;
  /** `authorization { users = [...] }`, with permissions. Cannot be combined with `token`. */
  users?: NatsUser[];
  /** `max_payload` in bytes. */
  maxPayload?: number;
  /** JetStream store to use (e.g. to reuse one); default: a new temp dir owned by the helper. */
  storeDir?: string;
  /** Serve the WebSocket over TLS (`wss://`) with these PEM files instead of `no_tls`. */
  tls?: { certFile: string; keyFile: string };
  /** Appended verbatim to the generated config. */
  extraConfig?: string;
  /** Fixed ports; any port not given is a free loopback port picked at first start. */
  ports?: { client?: number; websocket?: number; monitor?: number };
}

/**
 * A running (or stopped) `nats-server` process.
 *
 * `stop()` keeps the store and config so that `start()` can reuse them;
 * `await using` (`[Symbol.asyncDispose]`) stops the server and also removes
 * the config dir and the store dir if the helper created it (a `storeDir`
 * passed in options is never removed).
 */
export interface NatsServer extends AsyncDisposable {
  /** `ws://127.0.0.1:<wsPort>` (`wss://` with tls); throws if websocket is disabled. */
  readonly wsUrl: string;
  /** `nats://127.0.0.1:<port>` (TCP, for tools). */
  readonly natsUrl: string;
  /** Client (TCP) port. */
  readonly port: number;
  /** WebSocket port (0 if websocket is disabled). */
  readonly wsPort: number;
  /** HTTP monitoring port. */
  readonly monitorPort: number;
  /** JetStream store dir ("" if JetStream is disabled and none was given). */
  readonly storeDir: string;
  /** Path of the generated config file. */
  readonly configFile: string;
  /** Whether the process is alive (paused counts as running). */
  readonly running: boolean;
  /** SIGTERM, wait for exit (SIGKILL after 5 s); idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. */
  kill(): Promise<void>;
  /** Start again with the same config, ports and store (after stop/kill). */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /**
   * SIGSTOP: the server stops answering but keeps its sockets. Resolves
   * once every thread of the process is stopped (read from /proc): a signal
   * is delivered asynchronously, and a request sent right after `kill`
   * could otherwise still be answered.
   */
  pause(): Promise<void>;
  /** SIGCONT after {@linkcode NatsServer.pause}. */
  resume(): void;
  /** Everything the server printed so far (stdout+stderr, last 200 kB), all runs. */
  logs(): string;
  /** The running server's version from `/varz`, e.g. `2.9.10`. */
  version(): Promise<string>;
}

const HOST = "127.0.0.1";
const LOG_LIMIT = 200 * 1024;
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const PORT_RETRIES = 3;
const MARKER = "--- [nats_server.ts] starting";

/**
 * Path of the `nats-server` binary: `MCB_NATS_SERVER` if set, else the first
 * on PATH, then /usr/sbin, /usr/bin, /usr/local/bin. Throws an Error saying
 * how to install it if none is found (or `MCB_NATS_SERVER` is no executable).
 */
export function natsServerPath(): string {
  const chosen = Deno.env.get("MCB_NATS_SERVER");
  if (chosen) {
    if (!isExecutable(chosen)) {
      throw new Error(
        `MCB_NATS_SERVER=${chosen} is not an executable file; the pinned 2.10 ` +
          "is installed by `deno run -A scripts/runtimes/nats_server.ts install`",
      );
    }
    return chosen;
  }
  const path = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  const dirs = [...path, "/usr/sbin", "/usr/bin", "/usr/local/bin"];
  for (const dir of dirs) {
    if (isExecutable(`${dir}/nats-server`)) return `${dir}/nats-server`;
  }
  throw new Error(
    "nats-server not found: install it with `apt-get install -y nats-server` " +
      "(Debian) or put a nats-server (v2.9+) release binary on PATH. " +
      `Searched: ${dirs.join(", ")}`,
  );
}

/** Whether `file` is an executable file (also used by postgres_server.ts). */
export function isExecutable(file: string): boolean {
  try {
    const info = Deno.statSync(file);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false; // not there
  }
}

/**
 * `MCB_NATS_SYNC`: the JetStream `sync_interval` to configure (`always` or
 * a duration like `500ms`, `10s`, `2m`), or undefined when unset.
 */
export function natsSyncInterval(): string | undefined {
  const sync = Deno.env.get("MCB_NATS_SYNC") || undefined;
  if (sync !== undefined && !/^(always|\d+(ms|s|m|h))$/.test(sync)) {
    throw new Error(
      `MCB_NATS_SYNC=${sync}: expected "always" or a duration like 10s`,
    );
  }
  return sync;
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read the port, close). */
export function freePort(): Promise<number> {
  return Promise.resolve(freePorts(1)[0]);
}

/** `n` distinct free ports (the listeners are all open at once). */
function freePorts(n: number): number[] {
  const ls = [...Array(n)].map(() => Deno.listen({ hostname: HOST, port: 0 }));
  ls.forEach((l) => l.close());
  return ls.map((l) => l.addr.port);
}

/**
 * Starts `nats-server` and waits until it is ready (monitoring `/healthz`
 * answers OK, `/varz` shows this server's ports and, if enabled, JetStream).
 * Rejects, with the server's logs, after 10 s or as soon as the process exits.
 * A free port that turns out to be taken is re-picked (3 retries).
 */
export async function startNatsServer(
  options: NatsServerOptions = {},
): Promise<NatsServer> {
  if (options.token !== undefined && options.users !== undefined) {
    throw new Error("startNatsServer: use either `token` or `users`, not both");
  }
  const configDir = await Deno.makeTempDir({ prefix: "nats-server-test-" });
  const ownStore = !options.storeDir && options.jetstream !== false;
  const storeDir = ownStore
    ? await Deno.makeTempDir({ prefix: "nats-store-" })
    : options.storeDir ?? "";
  const server = new NatsServerProcess(options, configDir, storeDir, ownStore);
  try {
    await server.firstStart();
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
  return server;
}

type Permission = string[] | { allow?: string[]; deny?: string[] };
const q = (s: string): string => JSON.stringify(s); // a valid NATS conf string
const list = (xs: string[]): string => `[${xs.map(q).join(", ")}]`;
const entries = (o: Record<string, string | undefined>): string =>
  `{ ${
    Object.entries(o).filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${v}`).join(", ")
  } }`;
const perm = (p?: Permission): string | undefined =>
  !p ? undefined : Array.isArray(p) ? list(p) : entries({
    allow: p.allow && list(p.allow),
    deny: p.deny && list(p.deny),
  });
const renderUser = ({ user, pass, permissions: p }: NatsUser): string =>
  entries({
    user: q(user),
    password: q(pass),
    permissions: p &&
      entries({ publish: perm(p.publish), subscribe: perm(p.subscribe) }),
  });

/** Reads a pipe to its end (so it never fills up) into the log. */
async function pump(
  stream: ReadableStream<Uint8Array>,
  log: (s: string) => void,
) {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) {
      log(decoder.decode(chunk, { stream: true }));
    }
  } catch { /* stream closed under us */ }
  log(decoder.decode());
}

// deno-lint-ignore no-explicit-any
async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return { status: res.status, body: JSON.parse(await res.text() || "null") };
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const signal = (child: Deno.ChildProcess, sig: Deno.Signal) => {
  try {
    child.kill(sig);
  } catch { /* already exited */ }
};

type Proc = {
  child: Deno.ChildProcess;
  pumps: Promise<void[]>;
  exited: boolean;
};

class NatsServerProcess implements NatsServer {
  readonly configFile: string;
  port = 0;
  wsPort = 0;
  monitorPort = 0;
  #log = "";
  #proc: Proc | undefined;
  #stopping: Promise<void> | undefined;
  #paused = false;
  #healthz = true;
  #ws: boolean;
  #js: boolean;

  constructor(
    private readonly options: NatsServerOptions,
    private readonly configDir: string,
    readonly storeDir: string,
    private readonly ownStore: boolean,
  ) {
    this.configFile = `${configDir}/nats-server.conf`;
    this.#ws = options.websocket !== false;
    this.#js = options.jetstream !== false;
  }

  get wsUrl(): string {
    if (!this.#ws) throw new Error("NatsServer: websocket is disabled");
    return `${this.options.tls ? "wss" : "ws"}://${HOST}:${this.wsPort}`;
  }
  get natsUrl(): string {
    return `nats://${HOST}:${this.port}`;
  }
  get running(): boolean {
    return this.#proc !== undefined && !this.#proc.exited;
  }
  logs(): string {
    return this.#log;
  }
  #append = (s: string) => this.#log = (this.#log + s).slice(-LOG_LIMIT);

  async version(): Promise<string> {
    const varz = await getJson(`http://${HOST}:${this.monitorPort}/varz`);
    if (varz.status !== 200 || typeof varz.body?.version !== "string") {
      throw new Error(`NatsServer.version(): /varz answered ${varz.status}`);
    }
    return varz.body.version;
  }

  /** Picks the free ports and starts; re-picks them if one was taken. */
  async firstStart(): Promise<void> {
    const fixed = this.options.ports ?? {};
    const canRetry = fixed.client === undefined ||
      fixed.monitor === undefined ||
      (this.#ws && fixed.websocket === undefined);
    for (let attempt = 0;; attempt++) {
      const [client, ws, monitor] = freePorts(3);
      this.port = fixed.client ?? client;
      this.wsPort = this.#ws ? fixed.websocket ?? ws : 0;
      this.monitorPort = fixed.monitor ?? monitor;
      await Deno.writeTextFile(this.configFile, this.#renderConfig());
      try {
        return await this.#launch();
      } catch (error) {
        const thisRun = this.#log.split(MARKER).at(-1) ?? "";
        const taken = /address already in use/.test(thisRun);
        if (!(canRetry && taken && attempt < PORT_RETRIES)) throw error;
      }
    }
  }

  #renderConfig(): string {
    const o = this.options;
    const lines = [
      "# Generated by tests/nats_server.ts",
      `listen: ${q(`${HOST}:${this.port}`)}`,
      `http: ${q(`${HOST}:${this.monitorPort}`)}`,
    ];
    if (this.#js) {
      const sync = natsSyncInterval();
      const js = { store_dir: q(this.storeDir), sync_interval: sync };
      lines.push(`jetstream ${entries(js)}`);
    }
    if (this.#ws) {
      const { certFile, keyFile } = o.tls ?? {};
      const tls = o.tls &&
        `{ cert_file: ${q(certFile!)}, key_file: ${q(keyFile!)} }`;
      const ws = {
        listen: q(`${HOST}:${this.wsPort}`),
        tls,
        no_tls: tls ? undefined : "true",
      };
      lines.push(`websocket ${entries(ws)}`);
    }
    if (o.maxPayload !== undefined) lines.push(`max_payload: ${o.maxPayload}`);
    if (o.token !== undefined) {
      lines.push(`authorization { token: ${q(o.token)} }`);
    }
    if (o.users !== undefined) {
      const users = o.users.map(renderUser).join(",\n  ");
      lines.push(`authorization { users = [\n  ${users}\n] }`);
    }
    if (o.extraConfig) lines.push(o.extraConfig);
    return lines.join("\n") + "\n";
  }

  async start(): Promise<void> {
    await this.#stopping;
    if (this.running) throw new Error("NatsServer.start(): already running");
    await this.#launch();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async #launch(): Promise<void> {
    const bin = natsServerPath();
    this.#append(`${MARKER} ${bin} -c ${this.configFile}\n`);
    const child = new Deno.Command(bin, {
      args: ["-c", this.configFile],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out = [
      pump(child.stdout, this.#append),
      pump(child.stderr, this.#append),
    ];
    const proc: Proc = { child, pumps: Promise.all(out), exited: false };
    child.status.then(() => proc.exited = true);
    this.#proc = proc;
    this.#paused = false;
    try {
      await this.#waitReady(proc);
    } catch (error) {
      await this.kill();
      const msg = (error as Error).message;
      throw new Error(`${msg}\n--- nats-server logs ---\n${this.logs()}`);
    }
  }

  async #waitReady(proc: Proc): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (proc.exited) {
        const { code, signal } = await proc.child.status;
        await proc.pumps; // so that the error has the complete logs
        throw new Error(
          `nats-server exited during start-up (code ${code}, signal ${signal})`,
        );
      }
      const state = await this.#probe().catch(() => "down");
      if (state === "ready" && !proc.exited) return;
      if (state === "no-jetstream") {
        throw new Error("nats-server is up but JetStream is not enabled");
      }
      await sleep(25);
    }
    throw new Error(`nats-server not ready after ${READY_TIMEOUT_MS} ms`);
  }

  /** One readiness probe of the monitoring endpoint. */
  async #probe(): Promise<"ready" | "down" | "no-jetstream"> {
    const base = `http://${HOST}:${this.monitorPort}`;
    if (this.#healthz) {
      const h = await getJson(`${base}/healthz?js-enabled-only=true`);
      if (h.status === 404) this.#healthz = false; // no /healthz: /varz only
      else if (h.status !== 200 || h.body?.status !== "ok") return "down";
    }
    // /varz: is it *our* server (ports), and is JetStream on? (2.9.10's
    // healthz says ok without looking at JetStream when it is not configured.)
    const { status, body: v } = await getJson(`${base}/varz`);
    if (
      status !== 200 || v?.port !== this.port ||
      (this.#ws && v?.websocket?.port !== this.wsPort)
    ) return "down";
    return this.#js && !v?.jetstream?.config ? "no-jetstream" : "ready";
  }

  stop(): Promise<void> {
    return this.#terminate("SIGTERM");
  }

  kill(): Promise<void> {
    return this.#terminate("SIGKILL");
  }

  #terminate(sig: "SIGTERM" | "SIGKILL"): Promise<void> {
    const proc = this.#proc;
    if (!proc) return Promise.resolve();
    if (this.#stopping) {
      if (sig === "SIGKILL") signal(proc.child, sig); // escalate a stop()
      return this.#stopping;
    }
    return this.#stopping = (async () => {
      if (this.#paused) signal(proc.child, "SIGCONT");
      signal(proc.child, sig);
      const timer = setTimeout(
        () => signal(proc.child, "SIGKILL"),
        STOP_GRACE_MS,
      );
      await proc.child.status.finally(() => clearTimeout(timer));
      await proc.pumps;
      this.#proc = undefined;
      this.#paused = false;
    })().finally(() => this.#stopping = undefined);
  }

  async pause(): Promise<void> {
    this.#paused = this.#sendToRunning("SIGSTOP");
    const pid = this.#proc!.child.pid;
    const deadline = Date.now() + 5_000;
    while (!await allThreadsStopped(pid)) {
      if (Date.now() > deadline) {
        throw new Error(`NatsServer: pid ${pid} not stopped 5 s after SIGSTOP`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  resume(): void {
    this.#paused = !this.#sendToRunning("SIGCONT");
  }

  #sendToRunning(sig: Deno.Signal): true {
    if (!this.running) throw new Error(`NatsServer: not running (${sig})`);
    this.#proc!.child.kill(sig);
    return true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await Deno.remove(this.configDir, { recursive: true }).catch(() => {});
    if (this.ownStore) {
      await Deno.remove(this.storeDir, { recursive: true }).catch(() => {});
    }
  }
}

/** Whether every thread of `pid` is in the stopped state ("T"). */
async function allThreadsStopped(pid: number): Promise<boolean> {
  let threads = 0;
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    const stat = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/stat`)
      .catch(() => "");
    // "<tid> (<comm>) <state> ...": the state follows the last ")".
    const state = stat.slice(stat.lastIndexOf(")") + 2).charAt(0);
    if (state !== "T" && state !== "t") return false;
    threads++;
  }
  return threads > 0;
}
