/**
 * Test helper (not a test file): runs a private, real PostgreSQL for
 * integration tests (the outbox and inbox stores of issue 18), e.g.
 * `await using pg = await startPostgres(); const sql = postgres(pg.url)`.
 *
 * Each call `initdb`s a new cluster into a temp dir (trust auth, superuser
 * `postgres`), starts it with `pg_ctl` on a free 127.0.0.1 port (its Unix
 * socket in the temp dir, `fsync=off`), creates a database and returns its
 * URL. `stop()` (or `await using`) stops it (`pg_ctl stop -m fast`) and
 * removes the temp dir. Start-up is bounded (30 s) and never listens
 * beyond loopback.
 *
 * Running as root: `initdb` refuses to run as root ("cannot be run as
 * root", PostgreSQL will not let a superuser of the OS own a cluster), and
 * so does `postgres`. When this process is root (CI containers, this
 * sandbox), the temp dir is chowned to an unprivileged user (`nobody` by
 * default) and every PostgreSQL binary runs as that user through
 * `runuser -u <user> --`. The temp dir must then be reachable by that user
 * (the default TMPDIR, /tmp, is).
 *
 * Binaries: `initdb`/`pg_ctl` on PATH, else /usr/lib/postgresql/<newest>/bin
 * (Debian puts them there, off PATH); `MCB_PG_BIN` (a dir) overrides both.
 * @module
 */

import { freePort, isExecutable } from "./nats_server.ts";

/** Options of {@linkcode startPostgres}. */
export interface PostgresOptions {
  /** The database to create (default `test`). */
  database?: string;
  /** The OS user to run PostgreSQL as when this process is root (default `nobody`). */
  osUser?: string;
  /** Extra `-c name=value` server settings, e.g. `{ max_connections: "20" }`. */
  settings?: Record<string, string>;
}

/** A running private PostgreSQL; `stop()` or `await using` removes it. */
export interface PostgresServer extends AsyncDisposable {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust auth: no password). */
  readonly url: string;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** The cluster's data dir (inside the temp dir that `stop()` removes). */
  readonly dataDir: string;
  /** `pg_ctl stop -m fast`, then removes the temp dir; idempotent. */
  stop(): Promise<void>;
  /** The server's log so far (from its `-l` log file; "" once stopped). */
  logs(): Promise<string>;
}

const HOST = "127.0.0.1";
const SUPERUSER = "postgres";
const START_TIMEOUT_S = 30;
const STOP_TIMEOUT_S = 30;
const PORT_RETRIES = 3;
const INSTALL = "install PostgreSQL with `apt-get install -y postgresql`";

/**
 * The dir holding `initdb`, `pg_ctl` and `createdb`: `MCB_PG_BIN`, else the
 * first PATH entry with an `initdb` (its symlink resolved, so that `pg_ctl`
 * sits next to it), else the newest /usr/lib/postgresql/<major>/bin.
 * Throws with the install command if there is none.
 */
export function postgresBinDir(): string {
  const chosen = Deno.env.get("MCB_PG_BIN");
  if (chosen) {
    if (!isExecutable(`${chosen}/initdb`)) {
      throw new Error(`MCB_PG_BIN=${chosen} has no initdb; ${INSTALL}`);
    }
    return chosen;
  }
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter(Boolean)) {
    const initdb = `${dir}/initdb`;
    if (!isExecutable(initdb)) continue;
    const real = Deno.realPathSync(initdb);
    const bin = real.slice(0, real.lastIndexOf("/"));
    if (isExecutable(`${bin}/pg_ctl`)) return bin;
  }
  const majors: number[] = [];
  try {
    for (const e of Deno.readDirSync("/usr/lib/postgresql")) {
      if (/^\d+$/.test(e.name)) majors.push(Number(e.name));
    }
  } catch { /* no /usr/lib/postgresql */ }
  for (const major of majors.sort((a, b) => b - a)) {
    const bin = `/usr/lib/postgresql/${major}/bin`;
    if (isExecutable(`${bin}/initdb`)) return bin;
  }
  throw new Error(
    `PostgreSQL not found (no initdb on PATH or in /usr/lib/postgresql/*/bin): ${INSTALL}`,
  );
}

/** Runs a PostgreSQL binary (as `osUser` if set); throws with its output. */
async function run(
  bin: string,
  args: string[],
  osUser: string | undefined,
  cwd: string,
): Promise<string> {
  const [cmd, argv] = osUser
    ? ["runuser", ["-u", osUser, "--", bin, ...args]]
    : [bin, args];
  const out = await new Deno.Command(cmd, {
    args: argv,
    cwd, // the user may not be allowed into the caller's cwd
    env: { LC_ALL: "C", LANG: "C" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(
      `${bin.slice(bin.lastIndexOf("/") + 1)} ${args.join(" ")} failed ` +
        `(code ${out.code}):\n${text}`,
    );
  }
  return text;
}

/**
 * Starts a private PostgreSQL (see the module doc) and resolves once it
 * accepts connections and the database exists. Rejects, with the server
 * log, if it is not up within 30 s; nothing is left behind on failure.
 */
export async function startPostgres(
  options: PostgresOptions = {},
): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const database = options.database ?? "test";
  const osUser = Deno.uid() === 0 ? options.osUser ?? "nobody" : undefined;
  const root = await Deno.makeTempDir({ prefix: "mcb-pg-" });
  const dataDir = `${root}/data`;
  const logFile = `${root}/server.log`;
  const settings = { fsync: "off", ...options.settings };
  let started = false;
  const pg = (name: string, args: string[]) =>
    run(`${bin}/${name}`, args, osUser, root);
  const stopServer = () =>
    pg("pg_ctl", [
      "stop",
      "-D",
      dataDir,
      "-m",
      "fast",
      "-w",
      "-t",
      String(STOP_TIMEOUT_S),
    ]);
  const readLog = () => Deno.readTextFile(logFile).catch(() => "");
  try {
    if (osUser) {
      const id = await new Deno.Command("id", { args: ["-u", osUser] })
        .output();
      const gid = await new Deno.Command("id", { args: ["-g", osUser] })
        .output();
      if (!id.success || !gid.success) {
        throw new Error(`startPostgres: no OS user ${osUser} to run as`);
      }
      const num = (b: Uint8Array) => Number(new TextDecoder().decode(b));
      await Deno.chown(root, num(id.stdout), num(gid.stdout));
    }
    await pg("initdb", [
      "-D",
      dataDir,
      "-U",
      SUPERUSER,
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--no-locale",
      "--no-sync",
    ]);
    for (let attempt = 0;; attempt++) {
      const port = await freePort();
      const serverOptions = [
        `-k ${root}`,
        `-p ${port}`,
        `-h ${HOST}`,
        ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
      ].join(" ");
      try {
        await pg("pg_ctl", [
          "start",
          "-D",
          dataDir,
          "-l",
          logFile,
          "-w",
          "-t",
          String(START_TIMEOUT_S),
          "-o",
          serverOptions,
        ]);
        started = true;
      } catch (error) {
        const log = await readLog();
        if (/already in use/.test(log) && attempt < PORT_RETRIES) {
          await Deno.writeTextFile(logFile, ""); // this run's log only
          continue;
        }
        throw new Error(
          `${(error as Error).message}\n--- server log ---\n${log}`,
        );
      }
      // Over TCP, as the tests will connect: proves it accepts connections.
      await pg("createdb", [
        "-h",
        HOST,
        "-p",
        String(port),
        "-U",
        SUPERUSER,
        database,
      ]);
      return new Server(port, database, root, dataDir, stopServer, readLog);
    }
  } catch (error) {
    if (started) await stopServer().catch(() => killPostmaster(dataDir));
    await Deno.remove(root, { recursive: true }).catch(() => {});
    throw error;
  }
}

class Server implements PostgresServer {
  readonly url: string;
  #stopping: Promise<void> | undefined;

  constructor(
    readonly port: number,
    database: string,
    private readonly root: string,
    readonly dataDir: string,
    private readonly stopServer: () => Promise<string>,
    private readonly readLog: () => Promise<string>,
  ) {
    this.url = `postgres://${SUPERUSER}@${HOST}:${port}/${database}`;
  }

  logs(): Promise<string> {
    return this.readLog();
  }

  stop(): Promise<void> {
    return this.#stopping ??= (async () => {
      try {
        await this.stopServer();
      } catch (error) {
        killPostmaster(this.dataDir); // never leave a server behind
        throw error;
      } finally {
        await Deno.remove(this.root, { recursive: true });
      }
    })();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** SIGKILLs the postmaster named in `<dataDir>/postmaster.pid`, if any. */
function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(
      Deno.readTextFileSync(`${dataDir}/postmaster.pid`).split("\n")[0],
    );
    if (pid > 0) Deno.kill(pid, "SIGKILL");
  } catch { /* no pid file, or already gone */ }
}
