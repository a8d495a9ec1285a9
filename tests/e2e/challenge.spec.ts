import { DEFAULT_VOTER_LIMITS } from "@lb/backend";
import type { RoundStats } from "@lb/common";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../support/backend.js";
import { startBackends } from "../support/backend.js";
import { FRONTEND_DIST, launchBrowser, newPage, screenshot } from "../support/browser.js";
import { smallRound } from "../support/rounds.js";
import { expectBallotsCounted } from "./vote-support.js";

/**
 * A phone past its network's soft limit: the page solves the proof-of-work challenge by itself (in a worker, under
 * the pages' Content-Security-Policy) for its voter token and for its ballot, and the voter notices nothing but
 * a short note. The soft limit is 0 here, so every new token and every ballot is challenged.
 */

let app: Backends;
let browser: Browser;

beforeAll(async () => {
  app = await startBackends(1, {
    staticDir: FRONTEND_DIST,
    voterLimits: {
      ...DEFAULT_VOTER_LIMITS,
      softRate: 0,
      softBurst: 0,
      // Small enough that a page on a busy CI machine solves it in well under a second (the cost is not under
      // test here: solving without the voter doing anything is).
      challengeMinCost: 5_000,
      challengeMaxCost: 5_000,
    },
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe("challenge", { timeout: 60_000 }, () => {
  it("a browser without module workers solves it on the page instead", async () => {
    const round = await app.api.createOpenRound(smallRound(2, { minChoices: 1, maxChoices: 1 }), "e2e");
    const { context, page } = await newPage(browser, { baseURL: app.urls[0] as string });
    // As on iOS before 15: constructing a module worker throws.
    await context.addInitScript(() => {
      window.Worker = class {
        constructor() {
          throw new TypeError("Module scripts are not supported");
        }
      } as unknown as typeof Worker;
    });
    const minted: number[] = [];
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/api/voters") minted.push(response.status());
    });
    try {
      await page.goto(`/r/${round.id}`);
      await page.locator(".vote h1").waitFor();
      // A first visit shows the round while its token is on its way: wait for the token, not the heading.
      await expect.poll(() => minted, { timeout: 10_000 }).toEqual([428, 200]);
    } finally {
      await context.close();
    }
  });

  it("a phone outside the round's networks is told to join the venue Wi-Fi", async () => {
    const round = await app.api.createOpenRound(
      { ...smallRound(2), rules: { minChoices: 1, maxChoices: 1, allowedNetworks: ["192.0.2.0/24"] } },
      "e2e",
    );
    const { context, page } = await newPage(browser, { baseURL: app.urls[0] as string, locale: "en-US" });
    try {
      await page.goto(`/r/${round.id}`);
      await page
        .getByText("Voting is only possible from the venue's network. Join the venue Wi-Fi and try again.")
        .waitFor();
      await screenshot(page, "vote-en-network-not-allowed");
    } finally {
      await context.close();
    }
  });

  it("a phone that hits the challenge votes without doing anything", async () => {
    const round = await app.api.createOpenRound(smallRound(4, { minChoices: 1, maxChoices: 1 }), "e2e");
    const { context, page } = await newPage(browser, { baseURL: app.urls[0] as string });
    const violations: string[] = [];
    const statuses: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    page.on("response", (response) => {
      const path = new URL(response.url()).pathname;
      if (response.request().method() === "POST" && path.startsWith("/api/"))
        statuses.push(`${path} ${response.status()}`);
    });
    // The "security check" note may show for a split second only: an observer notes that it appeared.
    await context.addInitScript(() => {
      new MutationObserver(() => {
        const note = document.querySelector(".security-check");
        if (note) (window as unknown as { securityNote?: string }).securityNote = note.textContent ?? "";
      }).observe(document, { childList: true, subtree: true });
    });
    try {
      await page.goto(`/r/${round.id}`);
      await page.locator(".vote h1").waitFor();
      await page.locator("#option-2").check();
      await page.getByRole("button", { name: "提交", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "确认提交" }).click();
      await page.getByRole("heading", { name: "您的投票已记录" }).waitFor({ timeout: 30_000 });
      await screenshot(page, "vote-zh-after-challenge");

      // Both requests were challenged once, solved by the page and sent again.
      const ballots = `/api/rounds/${round.id}/ballots`;
      expect(statuses).toEqual(["/api/voters 428", "/api/voters 200", `${ballots} 428`, `${ballots} 201`]);
      await expectBallotsCounted(app, round.id, 1);
      const stats = await app.api.get<RoundStats>(`/api/rounds/${round.id}/stats`, {
        authorization: `Bearer ${app.adminToken}`,
      });
      expect(stats.body.rejected.CHALLENGE_REQUIRED).toBe(2);
      expect(await page.evaluate(() => (window as unknown as { securityNote?: string }).securityNote)).toBe(
        "当前网络投票人数较多，手机正在进行简短的安全校验。",
      );
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
