// Test helper (not a test file): which runtime runs the tests.

/**
 * `navigator.userAgent` ("Deno/2.9.6", "Node.js/22", "Bun/1.4.5"); Node 20
 * has no `navigator`, so a runtime without one is Node 20.
 */
export function userAgent(): string {
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  return nav?.userAgent ?? "Node.js/20";
}
