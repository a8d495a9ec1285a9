import type { ScreenKeyResponse } from "@lb/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPage } from "../support/browser.js";
import { demoRound } from "../support/rounds.js";
import { createRound, startVoteSuite } from "./vote-support.js";

let suite: Awaited<ReturnType<typeof startVoteSuite>>;

beforeAll(async () => {
  suite = await startVoteSuite();
});
afterAll(() => suite?.close());

describe("content security policy", () => {
  it("pages load only their own code, and none of them breaks the policy", async () => {
    const round = await createRound(suite.app, demoRound());
    const key = await suite.app.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${round.id}/screen-key`);
    const { context, page } = await newPage(suite.browser, { baseURL: suite.app.urls[0] as string });
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    try {
      const response = await page.goto(`/r/${round.id}`);
      expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
      await page.locator(".vote h1").waitFor();
      await page.getByRole("tab", { name: "排行榜" }).click();
      await page.locator("tbody tr").first().waitFor();
      // The projector draws bars, moves rows and shows a QR code (a data: image).
      await page.goto(`/r/${round.id}/screen?key=${key.body.screenKey}`);
      await page.locator("img[src^='data:image/svg+xml']").waitFor();
      await page.goto("/admin");
      await page.locator("input").first().waitFor();
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
