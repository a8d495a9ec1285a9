import { defineConfig } from "vitest/config";

// Unit tests cover pure modules (selection rules, search, the ballot outbox, board sync, routes, i18n) and render
// components to static HTML (*.test.tsx), so no DOM environment; interaction is covered by tests/e2e in Chromium.
export default defineConfig({
  test: { include: ["src/**/*.test.{ts,tsx}"], environment: "node" },
});
