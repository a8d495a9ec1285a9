import type { ScreenKeyResponse } from "@lb/common";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPage } from "../support/browser.js";
import { demoRound } from "../support/rounds.js";
import { createRound, startVoteSuite } from "./vote-support.js";

let suite: Awaited<ReturnType<typeof startVoteSuite>>;

beforeAll(async () => {
  suite = await startVoteSuite();
});
afterAll(() => suite?.close());

declare global {
  interface Window {
    /** Every `securitypolicyviolation` this document saw (set up by the init script below). */
    cspViolations?: string[];
  }
}

/** The violations the current document reported, as events (a console message can be missed or reworded). */
const violationsOf = (page: Page) => page.evaluate(() => window.cspViolations ?? []);

describe("content security policy", () => {
  it("pages load only their own code, and none of them breaks the policy", async () => {
    const round = await createRound(suite.app, demoRound());
    const key = await suite.app.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${round.id}/screen-key`);
    const { context, page } = await newPage(suite.browser, {
      baseURL: suite.app.urls[0] as string,
      locale: "en-US",
    });
    await context.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener("securitypolicyviolation", (event) => {
        window.cspViolations?.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
      });
    });
    const consoleViolations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) consoleViolations.push(message.text());
    });
    const violations: Record<string, string[]> = {};
    try {
      const response = await page.goto(`/r/${round.id}`);
      const csp = response?.headers()["content-security-policy"] ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response?.headers()["x-frame-options"]).toBe("DENY");
      await page.locator(".vote h1").waitFor();
      await page.getByRole("tab", { name: "Leaderboard" }).click();
      await page.locator("tbody tr").first().waitFor();
      violations.vote = await violationsOf(page);
      // The projector draws bars, moves rows and shows a QR code (a data: image).
      await page.goto(`/r/${round.id}/screen?key=${key.body.screenKey}`);
      await page.locator("img[src^='data:image/svg+xml']").waitFor();
      violations.screen = await violationsOf(page);
      // The console builds the zod schemas of @lb/common when it loads: zod must not probe `new Function`.
      await page.goto("/admin");
      await page.getByLabel("Admin token").fill(suite.app.adminToken);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator(`[data-round="${round.id}"] button`).click();
      await page.locator(`[data-round-detail="${round.id}"] h2`).waitFor();
      violations.console = await violationsOf(page);
      expect(violations).toEqual({ vote: [], screen: [], console: [] });
      expect(consoleViolations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
