/**
 * Test helper (not a test file): Debian's Chromium driven by playwright-core,
 * shared by the browser tests; fails with the exact instruction when
 * Chromium, -A or playwright-core is missing.
 * @module
 */
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Throws the install instruction if Chromium is missing. */
async function requireChromium(): Promise<void> {
  try {
    if ((await Deno.stat(CHROMIUM)).isFile) return;
  } catch { /* missing */ }
  throw new Error(
    `Chromium not found at ${CHROMIUM}: install it with ` +
      "`apt-get install -y chromium` (Debian; `npx playwright install` " +
      "cannot download browsers here).",
  );
}

/** playwright-core reads a /proc/sys path that Deno allows only with -A. */
function requireAllPermissions(file: string): void {
  try {
    Deno.statSync("/proc/sys/fs/binfmt_misc/WSLInterop");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) return;
    throw new Error(
      "this test needs --allow-all: playwright-core reads " +
        "/proc/sys/fs/binfmt_misc/WSLInterop when it loads, which Deno " +
        `allows only with -A. Run \`deno test -A ${file}\`.`,
    );
  }
}

/** A headless Chromium with a fresh profile; dispose to close and clean. */
export interface Chromium extends AsyncDisposable {
  context: BrowserContext;
}

/** Launches Chromium for `file` (named in the -A instruction). */
export async function launchChromium(file: string): Promise<Chromium> {
  await requireChromium();
  requireAllPermissions(file);
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch (error) {
    const missing = /Cannot find|not found|Could not find|ERR_MODULE_NOT_FOUND/i
      .test(String(error));
    throw new Error(
      missing
        ? "playwright-core is missing: deno.json maps it to " +
          "npm:playwright-core@1.65.1; run `deno install` to fetch it."
        : `playwright-core failed to load: ${error}`,
      { cause: error },
    );
  }
  const userDataDir = await Deno.makeTempDir({ prefix: "chromium-test-" });
  const context = await playwright.chromium.launchPersistentContext(
    userDataDir,
    {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 20_000,
      viewport: { width: 1280, height: 760 },
    },
  );
  return {
    context,
    async [Symbol.asyncDispose]() {
      await context.close().catch(() => {});
      await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** Polls `check` every 50 ms until it holds; throws after `ms`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out (${ms} ms): ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
