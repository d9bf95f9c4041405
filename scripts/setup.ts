/**
 * `deno task setup` (run first by `deno task test`): makes sure the system
 * packages the test suite needs are present. What is missing is installed
 * with apt-get when this process is root on a Debian-like system, saying
 * what and why; otherwise it stops at once with the one-line command to run.
 *
 * - `nats-server`: every test that crosses a process talks to a real server;
 * - `chromium` (and `fonts-liberation`): the admin-panel and SSE page tests
 *   run in a real browser;
 * - `strace`: the socket test reads `TCP_NODELAY` from the system calls;
 * - `postgresql`: the outbox tests run a private PostgreSQL (`initdb` +
 *   `pg_ctl`, which Debian keeps off PATH in /usr/lib/postgresql/<major>/bin).
 *
 * `MCB_NATS_SERVER` (a nats-server binary) stands in for the package.
 * `MCB_SETUP_AS_USER=1` behaves as a non-root user (tests use it).
 *
 * @module
 */

/** A system package the tests need. */
export interface Need {
  /** The Debian package(s) that provide it. */
  packages: string[];
  /** Why the tests need it. */
  why: string;
  /** Whether it is present. */
  present: () => boolean;
}

const DIRS = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/**
 * Whether `name` is an executable on PATH or in the usual system folders
 * (`MCB_SETUP_PATH`, a PATH-like list, replaces both: tests use it).
 */
export function onPath(name: string): boolean {
  const override = Deno.env.get("MCB_SETUP_PATH");
  const dirs = override !== undefined
    ? override.split(":")
    : [...(Deno.env.get("PATH") ?? "").split(":"), ...DIRS];
  return dirs.filter(Boolean).some((dir) => executableIn(dir, name));
}

/**
 * Whether PostgreSQL's `initdb` is on PATH or in /usr/lib/postgresql/<major>/bin
 * (`MCB_SETUP_PATH` replaces both, as in {@linkcode onPath}).
 */
export function postgresPresent(): boolean {
  if (onPath("initdb")) return true;
  if (Deno.env.get("MCB_SETUP_PATH") !== undefined) return false;
  try {
    for (const e of Deno.readDirSync("/usr/lib/postgresql")) {
      if (executableIn(`/usr/lib/postgresql/${e.name}/bin`, "initdb")) {
        return true;
      }
    }
  } catch {
    // no /usr/lib/postgresql
  }
  return false;
}

function executableIn(dir: string, name: string): boolean {
  try {
    const info = Deno.statSync(`${dir}/${name}`);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false; // not there
  }
}

/** What `deno task test` needs from the system. */
export const NEEDS: readonly Need[] = [
  {
    packages: ["nats-server"],
    why: "tests that cross a process run a real nats-server",
    present: () =>
      Deno.env.get("MCB_NATS_SERVER") !== undefined || onPath("nats-server"),
  },
  {
    packages: ["chromium", "fonts-liberation"],
    why: "the admin-panel and SSE page tests run in a real Chromium",
    present: () => onPath("chromium"),
  },
  {
    packages: ["strace"],
    why: "the socket test reads TCP_NODELAY from the system calls",
    present: () => onPath("strace"),
  },
  {
    packages: ["postgresql"],
    why: "the outbox tests run a private PostgreSQL",
    present: postgresPresent,
  },
];

/** What to do about the missing needs. */
export type Plan =
  | { action: "none" }
  | { action: "install"; packages: string[]; reasons: string[] }
  | { action: "stop"; message: string };

/** Decides from what is missing and whether apt-get can run as root. */
export function plan(
  missing: readonly Need[],
  canInstall: { root: boolean; apt: boolean },
): Plan {
  if (missing.length === 0) return { action: "none" };
  const packages = missing.flatMap((n) => n.packages);
  if (canInstall.root && canInstall.apt) {
    return {
      action: "install",
      packages,
      reasons: missing.map((n) => `${n.packages[0]}: ${n.why}`),
    };
  }
  const command = canInstall.apt
    ? `sudo apt-get install -y ${packages.join(" ")}`
    : `install ${packages.join(", ")} with your package manager`;
  return {
    action: "stop",
    message: `deno task test needs ${
      packages.join(", ")
    }: run \`${command}\`, then run it again.`,
  };
}

async function main(): Promise<number> {
  const missing = NEEDS.filter((n) => !n.present());
  if (missing.length === 0) return 0;
  const root = Deno.env.get("MCB_SETUP_AS_USER") === "1"
    ? false
    : Deno.uid() === 0;
  const decided = plan(missing, { root, apt: onPath("apt-get") });
  if (decided.action === "none") return 0;
  if (decided.action === "stop") {
    console.error(decided.message);
    return 1;
  }
  console.error(
    `setup: installing ${decided.packages.join(" ")} with apt-get:`,
  );
  for (const reason of decided.reasons) console.error(`  - ${reason}`);
  const apt = (args: string[]) =>
    new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "inherit",
    }).output();
  if (!(await apt(["update", "-qq"])).success) {
    console.error("setup: apt-get update failed");
    return 1;
  }
  if (!(await apt(["install", "-y", "-qq", ...decided.packages])).success) {
    console.error(
      `setup: apt-get install ${decided.packages.join(" ")} failed`,
    );
    return 1;
  }
  const still = NEEDS.filter((n) => !n.present());
  if (still.length > 0) {
    console.error(
      `setup: still missing after install: ${
        still.flatMap((n) => n.packages).join(", ")
      }`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main());
