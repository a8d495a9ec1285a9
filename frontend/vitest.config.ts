import { defineConfig } from "vitest/config";

// Unit tests cover pure modules only (selection rules, board sync, routes, i18n), so no DOM environment.
export default defineConfig({
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
