// The `Deno` global for running the test files under Node and Bun, the way
// dnt does: `Deno.test` from @deno/shim-deno-test (it only records the
// definitions; tests/runtimes/run_file.mjs runs them) and the rest of `Deno.*`
// from @deno/shim-deno.
//
// @deno/shim-deno 0.19 lacks what the test helper tests/nats_server.ts and a
// few tests need, so it is added here, on Node's child_process and net
// modules (they work the same in Bun):
//   - `Deno.Command` / `Deno.ChildProcess` (spawn, piped web streams, status,
//     kill, output): the shim only has the deprecated `Deno.run`;
//   - `Deno.listen` that reports the port it got: the shim's listener keeps
//     `addr.port` at 0 when asked for port 0 (it fills it in asynchronously);
//   - `Deno.readDir` of a file: URL (the shim stringifies the URL);
//   - `Deno.connect` that rejects when the connection fails (the shim's
//     only logs the error and never settles: a refused port hung the test),
//     with Deno's error classes (`Deno.errors.ConnectionRefused`, ...);
//   - Deno's global "error" / "unhandledrejection" events (globalThis is an
//     EventTarget in Deno): see installGlobalErrorEvents().
//
// `npm:` specifiers are resolved by ./npm_specifiers.mjs (Node only).
//
// Loaded with `node --import <this file>` / `bun --preload`, before any test
// file; importing it again is a no-op.
import * as childProcess from "node:child_process";
import * as net from "node:net";
import * as os from "node:os";
import process from "node:process";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import "./npm_specifiers.mjs";

// The shims are npm packages of the Node/Bun runs only (installed by
// scripts/runtimes/), not dependencies of the project: imported through
// variables so that `deno check tests/` does not try to resolve them.
const SHIM_DENO = "@deno/shim-deno";
const SHIM_DENO_TEST = "@deno/shim-deno-test";
const { Deno: shimDeno } = await import(SHIM_DENO);
const { test, testDefinitions } = await import(SHIM_DENO_TEST);

/** Deno's stdio names -> Node's. */
const STDIO = { piped: "pipe", inherit: "inherit", null: "ignore" };

function stdio(value, fallback) {
  const mapped = STDIO[value ?? fallback];
  if (!mapped) throw new TypeError(`Deno.Command: bad stdio "${value}"`);
  return mapped;
}

/** `Deno.ChildProcess` on `child_process.spawn`. */
class ChildProcess {
  #child;
  #exited = false;
  #stdin;
  #stdout;
  #stderr;

  constructor(command, options = {}) {
    const env = options.clearEnv
      ? { ...options.env }
      : { ...process.env, ...options.env };
    this.#child = childProcess.spawn(String(command), options.args ?? [], {
      cwd: options.cwd instanceof URL ? options.cwd.pathname : options.cwd,
      env,
      stdio: [
        stdio(options.stdin, "inherit"),
        stdio(options.stdout, "piped"),
        stdio(options.stderr, "piped"),
      ],
    });
    const child = this.#child;
    this.pid = child.pid;
    this.#stdin = child.stdin && Writable.toWeb(child.stdin);
    this.#stdout = child.stdout && Readable.toWeb(child.stdout);
    this.#stderr = child.stderr && Readable.toWeb(child.stderr);
    this.status = new Promise((resolve, reject) => {
      child.once("error", (error) => {
        this.#exited = true;
        reject(error);
      });
      child.once("exit", (code, signal) => {
        this.#exited = true;
        const signo = signal ? os.constants.signals[signal] : 0;
        resolve({
          success: code === 0,
          code: code ?? 128 + signo,
          signal: signal ?? null,
        });
      });
    });
  }

  get stdin() {
    if (!this.#stdin) throw new TypeError("stdin is not piped");
    return this.#stdin;
  }

  get stdout() {
    if (!this.#stdout) throw new TypeError("stdout is not piped");
    return this.#stdout;
  }

  get stderr() {
    if (!this.#stderr) throw new TypeError("stderr is not piped");
    return this.#stderr;
  }

  kill(signo = "SIGTERM") {
    if (this.#exited) {
      throw new TypeError("Child process has already terminated");
    }
    this.#child.kill(signo);
  }

  async output() {
    const read = async (stream) =>
      stream ? new Uint8Array(await new Response(stream).arrayBuffer()) : null;
    const [stdout, stderr, status] = await Promise.all([
      read(this.#stdout),
      read(this.#stderr),
      this.status,
    ]);
    return { ...status, stdout, stderr };
  }

  ref() {
    this.#child.ref();
  }

  unref() {
    this.#child.unref();
  }

  async [Symbol.asyncDispose]() {
    try {
      this.kill("SIGTERM");
    } catch { /* exited */ }
    await this.status.catch(() => {});
  }
}

/** `Deno.Command`. */
class Command {
  #command;
  #options;

  constructor(command, options = {}) {
    this.#command = command instanceof URL ? command.pathname : command;
    this.#options = options;
  }

  spawn() {
    return new ChildProcess(this.#command, this.#options);
  }

  output() {
    return new ChildProcess(this.#command, {
      stdin: "null",
      ...this.#options,
    }).output();
  }
}

/** Ports handed out by listen({ port: 0 }) in this process. */
const handedOut = new Set();

/**
 * A free port on `hostname`, found synchronously: Node binds only
 * asynchronously when given a host, so a child process of the same runtime
 * binds port 0 on that host and prints the port it got.
 */
function freePortSync(hostname) {
  const script = "const s = require('node:net').createServer();" +
    `s.listen(0, ${JSON.stringify(hostname)}, () => {` +
    "process.stdout.write(String(s.address().port)); s.close(); });";
  for (let attempt = 0; attempt < 5; attempt++) {
    const out = childProcess.spawnSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      timeout: 10_000,
    });
    const port = Number(out.stdout);
    if (!(port > 0)) {
      throw new Error(
        `Deno.listen: no free port on ${hostname}: ${out.stderr}`,
      );
    }
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`Deno.listen: no new free port on ${hostname}`);
}

/**
 * `Deno.listen` for TCP with the real `addr` at once (port 0 is resolved by
 * {@link freePortSync}); the port is then bound, asynchronously, until
 * `close()`. Accepting connections is not supported (the helpers use it to
 * find free ports and to hold one).
 */
function listen(options) {
  const { hostname = "0.0.0.0", transport = "tcp" } = options;
  if (transport !== "tcp") {
    throw new Error("Deno.listen: only tcp is supported");
  }
  const port = options.port === 0 || options.port === undefined
    ? freePortSync(hostname)
    : options.port;
  const server = net.createServer();
  let bindError;
  server.on("error", (error) => bindError = error);
  server.listen({ host: hostname, port, exclusive: true });
  const close = () => {
    if (bindError) return;
    server.close();
  };
  return {
    addr: { transport: "tcp", hostname, port },
    close,
    [Symbol.dispose]: close,
    accept() {
      throw new Error("Deno.listen (runtime shim): accept() is not supported");
    },
  };
}

/** Node's error codes -> `Deno.errors` class names (for Deno.connect). */
const NET_ERRORS = {
  ECONNREFUSED: "ConnectionRefused",
  ECONNRESET: "ConnectionReset",
  ECONNABORTED: "ConnectionAborted",
  EADDRNOTAVAIL: "AddrNotAvailable",
  ETIMEDOUT: "TimedOut",
  EPIPE: "BrokenPipe",
};

function denoNetError(error) {
  const name = NET_ERRORS[error?.code];
  if (!name) return error;
  return Object.assign(new shimDeno.errors[name](error.message), {
    code: error.code,
    cause: error,
  });
}

/**
 * `Deno.Conn` over a connected `net.Socket`: `read` / `write` / `close` /
 * `closeWrite` and the `readable` / `writable` web streams (use one way of
 * reading, as in Deno).
 */
class Conn {
  #socket;
  #readable;
  #writable;
  #error;

  constructor(socket) {
    this.#socket = socket;
    // A later failure (reset, ...) is the next read's, not uncaught.
    socket.on("error", (error) => this.#error = denoNetError(error));
    this.localAddr = {
      transport: "tcp",
      hostname: socket.localAddress,
      port: socket.localPort,
    };
    this.remoteAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress,
      port: socket.remotePort,
    };
  }

  get readable() {
    return this.#readable ??= Readable.toWeb(this.#socket);
  }

  get writable() {
    return this.#writable ??= Writable.toWeb(this.#socket);
  }

  /** Up to `p.length` bytes into `p`; `null` at the end of the stream. */
  async read(p) {
    const socket = this.#socket;
    for (;;) {
      const chunk = socket.read();
      if (chunk !== null) {
        const n = Math.min(p.length, chunk.length);
        p.set(chunk.subarray(0, n));
        if (n < chunk.length) socket.unshift(chunk.subarray(n));
        return n;
      }
      if (this.#error) throw this.#error;
      if (socket.readableEnded || socket.destroyed) return null;
      await new Promise((resolve) => {
        const done = () => {
          for (const e of ["readable", "end", "close"]) socket.off(e, done);
          resolve();
        };
        for (const e of ["readable", "end", "close"]) socket.once(e, done);
      });
    }
  }

  write(p) {
    return new Promise((resolve, reject) =>
      this.#socket.write(
        p,
        (error) => error ? reject(denoNetError(error)) : resolve(p.length),
      )
    );
  }

  closeWrite() {
    return new Promise((resolve) => this.#socket.end(resolve));
  }

  close() {
    this.#socket.destroy();
  }

  setNoDelay(enable = true) {
    this.#socket.setNoDelay(enable);
  }

  setKeepAlive(enable = true) {
    this.#socket.setKeepAlive(enable);
  }

  ref() {
    this.#socket.ref();
  }

  unref() {
    this.#socket.unref();
  }

  [Symbol.dispose]() {
    this.close();
  }
}

/** `Deno.connect` for TCP: resolves once connected, rejects if it fails. */
function connect(options) {
  const { hostname = "127.0.0.1", port, transport = "tcp" } = options;
  if (transport !== "tcp") {
    return Promise.reject(new Error("Deno.connect: only tcp is supported"));
  }
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: hostname, port });
    const failed = (error) => reject(denoNetError(error));
    socket.once("error", failed);
    socket.once("connect", () => {
      socket.off("error", failed);
      resolve(new Conn(socket));
    });
  });
}

/**
 * Deno's global scope is an EventTarget: uncaught errors and unhandled
 * rejections are dispatched there as cancelable "error" and
 * "unhandledrejection" events, and fail the test unless a listener calls
 * preventDefault(). Node has no such global events; this emulates them on
 * top of process "uncaughtException" / "unhandledRejection". Errors left
 * unhandled go to the runner (run_file.mjs) through STRAY.
 */
const STRAY = Symbol.for("mcb.runtimes.strayErrors");
function installGlobalErrorEvents() {
  globalThis[STRAY] = [];
  const report = (error) => globalThis[STRAY].push(error);
  const target = new EventTarget();
  if (typeof globalThis.addEventListener !== "function") {
    globalThis.addEventListener = target.addEventListener.bind(target);
    globalThis.removeEventListener = target.removeEventListener.bind(target);
    globalThis.dispatchEvent = target.dispatchEvent.bind(target);
  }
  process.on("uncaughtException", (error) => {
    const event = new Event("error", { cancelable: true });
    Object.assign(event, { error, message: String(error?.message ?? error) });
    if (globalThis.dispatchEvent(event)) report(error);
  });
  process.on("unhandledRejection", (reason, promise) => {
    const event = new Event("unhandledrejection", { cancelable: true });
    Object.assign(event, { reason, promise });
    if (globalThis.dispatchEvent(event)) report(reason);
  });
}

/** @deno/shim-deno's readDir turns a file: URL into a "file:///..." path. */
const withPath = (fn) => (path, ...rest) =>
  fn(path instanceof URL ? fileURLToPath(path) : path, ...rest);

const KEY = Symbol.for("mcb.runtimes.testDefinitions");
if (!globalThis[KEY]) {
  globalThis[KEY] = testDefinitions;
  installGlobalErrorEvents();
  globalThis.Deno = {
    ...shimDeno,
    test,
    Command,
    ChildProcess,
    listen,
    connect,
    readDir: withPath(shimDeno.readDir),
    readDirSync: withPath(shimDeno.readDirSync),
  };
}
