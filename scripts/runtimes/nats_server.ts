/**
 * A pinned nats-server 2.10 for the fault suite, next to the system's 2.9
 * (Debian bookworm ships 2.9.10, which has no `sync_interval`).
 *
 * The binary comes from Debian trixie's own `.deb` (it needs only
 * libc6 >= 2.34, so it runs on bookworm): downloaded into
 * `.cache/nats-server-<version>/` (gitignored), checked against the pinned
 * sha256, unpacked with `dpkg-deb -x`, and run from there; nothing is
 * installed into the system.
 *
 * ```sh
 * deno run -A scripts/runtimes/nats_server.ts install   # prints the binary's path
 * MCB_NATS_SERVER=$(deno run -A scripts/runtimes/nats_server.ts install) \
 *   MCB_NATS_SYNC=always deno test -A tests/faults/
 * ```
 * @module
 */
import { exists, ROOT } from "./tools.ts";

/** The pinned package: Debian trixie's nats-server 2.10 for amd64. */
export const NATS_SERVER_210 = {
  /** Upstream version, as `nats-server --version` and `/varz` print it. */
  version: "2.10.27",
  /** Debian package version (trixie, binNMU 2). */
  debianVersion: "2.10.27-1+b2",
  /** Debian pool URL (path from trixie's `Packages` index, `Filename:`). */
  url: "https://deb.debian.org/debian/pool/main/n/nats-server/" +
    "nats-server_2.10.27-1+b2_amd64.deb",
  /** SHA256 of the `.deb`, as in trixie's `Packages` index. */
  sha256: "6d913ac987b78734c08537c2adeb1526cf735f216173a9170d94b185fcfe6f8a",
  /** Size of the `.deb` in bytes. */
  size: 4_502_708,
} as const;

/** Where the pinned server is unpacked: `.cache/nats-server-<version>/`. */
export const NATS_SERVER_210_DIR: string =
  `${ROOT}.cache/nats-server-${NATS_SERVER_210.version}`;

/** Path of the binary once installed (see {@linkcode ensureNatsServer210}). */
export const NATS_SERVER_210_BIN: string =
  `${NATS_SERVER_210_DIR}/root/usr/sbin/nats-server`;

const DEB = `${NATS_SERVER_210_DIR}/${NATS_SERVER_210.url.split("/").at(-1)}`;
const STAMP = `${NATS_SERVER_210_DIR}/installed.sha256`;

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs a command, throws with its output unless it exits 0; returns stdout. */
async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${out.code}:\n` +
        dec.decode(out.stdout) + dec.decode(out.stderr),
    );
  }
  return dec.decode(out.stdout) + dec.decode(out.stderr);
}

/** The cached `.deb` if it has the pinned hash, else a fresh download. */
async function debBytes(): Promise<Uint8Array<ArrayBuffer>> {
  const { url, sha256 } = NATS_SERVER_210;
  if (await exists(DEB)) {
    const cached = await Deno.readFile(DEB);
    if (await sha256Hex(cached) === sha256) return cached;
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`nats-server download failed: HTTP ${res.status} ${url}`);
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const actual = await sha256Hex(bytes);
  if (actual !== sha256) {
    throw new Error(
      `nats-server download has the wrong sha256: ${actual}, pinned ` +
        `${sha256} (${url}, ${bytes.length} bytes)`,
    );
  }
  const tmp = `${DEB}.${Deno.pid}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, DEB);
  return bytes;
}

/** Whether the unpacked binary is there and was unpacked from the pin. */
async function installed(): Promise<boolean> {
  const stamp = await Deno.readTextFile(STAMP).catch(() => "");
  return stamp.trim() === NATS_SERVER_210.sha256 &&
    await exists(NATS_SERVER_210_BIN);
}

/**
 * Path of the pinned nats-server 2.10 binary, installing it on first use
 * (download, sha256 check, `dpkg-deb -x`). Idempotent: later calls only
 * check the stamp file. Safe to run from several processes at once (each
 * unpacks into its own temp dir and renames it into place).
 */
export async function ensureNatsServer210(): Promise<string> {
  if (await installed()) return NATS_SERVER_210_BIN;
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    throw new Error(
      `the pinned nats-server is a Debian amd64 package; this is ` +
        `${Deno.build.os}/${Deno.build.arch}`,
    );
  }
  await Deno.mkdir(NATS_SERVER_210_DIR, { recursive: true });
  await debBytes();
  const tmp = await Deno.makeTempDir({
    dir: NATS_SERVER_210_DIR,
    prefix: "root.tmp-",
  });
  try {
    await run("dpkg-deb", ["-x", DEB, tmp]);
    const printed = await run(`${tmp}/usr/sbin/nats-server`, ["--version"]);
    if (!printed.includes(`v${NATS_SERVER_210.version}`)) {
      throw new Error(
        `unpacked nats-server says "${printed.trim()}", ` +
          `expected v${NATS_SERVER_210.version}`,
      );
    }
    const root = `${NATS_SERVER_210_DIR}/root`;
    await Deno.remove(root, { recursive: true }).catch(() => {});
    try {
      await Deno.rename(tmp, root);
    } catch (error) {
      // Another process renamed its copy into place first: use that one.
      if (!await exists(NATS_SERVER_210_BIN)) throw error;
    }
    await Deno.writeTextFile(`${STAMP}.${Deno.pid}`, NATS_SERVER_210.sha256);
    await Deno.rename(`${STAMP}.${Deno.pid}`, STAMP);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return NATS_SERVER_210_BIN;
}

if (import.meta.main) {
  const [command = "install"] = Deno.args;
  if (command === "install") {
    console.log(await ensureNatsServer210());
  } else {
    console.error(
      "usage: deno run -A scripts/runtimes/nats_server.ts install\n" +
        "  installs the pinned nats-server " +
        `${NATS_SERVER_210.version} into .cache/ and prints its path`,
    );
    Deno.exit(2);
  }
}
