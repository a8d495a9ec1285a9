import { AxeBuilder } from "@axe-core/playwright";
import type { ScreenKeyResponse } from "@lb/common";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPage } from "../support/browser.js";
import { demoRound, smallRound } from "../support/rounds.js";
import { createRound, startVoteSuite } from "./vote-support.js";

/**
 * axe-core (WCAG 2.x A and AA rules, plus best practices) on every page in the state people see it: no serious or
 * critical violation anywhere. A failure lists each rule with the elements it found, so it reads as a to-do list.
 */

let suite: Awaited<ReturnType<typeof startVoteSuite>>;

beforeAll(async () => {
  suite = await startVoteSuite();
});
afterAll(() => suite?.close());

/** The serious and critical violations on the page as it is now, one line per element. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  // axe really looked: a page where it checked nothing would pass too.
  expect(results.passes.length).toBeGreaterThan(10);
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${node.target.join(" ")} ${node.html}`),
    );
}

// axe takes seconds per page on a busy 2-core machine (the console's Edit tab, with a form for each of 64
// options, the longest): generous time per test.
describe("accessibility (axe-core)", { timeout: 120_000 }, () => {
  it("home, vote page before and after voting, tickets entry and board on a phone", async () => {
    const round = await createRound(suite.app, smallRound(6, { minChoices: 1, maxChoices: 2 }, "Accessible round"));
    const tickets = await suite.app.api.createOpenRound(
      { ...smallRound(4), rules: { ...smallRound(4).rules, electorate: "tickets" } },
      "e2e-a11y",
    );
    const { context, page } = await newPage(suite.browser, { baseURL: suite.app.urls[0] as string });
    const found: Record<string, string[]> = {};
    try {
      await page.goto("/");
      await page.locator("h1").first().waitFor();
      found.home = await violations(page);

      await page.goto(`/r/${round.id}`);
      await page.locator(".vote h1").waitFor();
      await page.getByRole("checkbox").first().waitFor();
      found.vote = await violations(page);
      await page.getByRole("checkbox").first().check();
      await page.getByRole("button", { name: "提交", exact: true }).click();
      await page.getByRole("dialog").waitFor();
      found["vote: confirm dialog"] = await violations(page);
      await page.getByRole("dialog").getByRole("button", { name: "确认提交" }).click();
      await page.getByRole("heading", { name: "您的投票已记录" }).waitFor();
      found["vote: receipt"] = await violations(page);

      await page.goto(`/r/${tickets.id}`);
      await page.locator(".vote h1").waitFor();
      await page.getByRole("textbox").first().waitFor();
      found["tickets entry"] = await violations(page);

      await page.goto(`/r/${round.id}/board`);
      await page.locator("tbody tr").first().waitFor();
      found.board = await violations(page);
      expect(found).toEqual({
        home: [],
        vote: [],
        "vote: confirm dialog": [],
        "vote: receipt": [],
        "tickets entry": [],
        board: [],
      });
    } finally {
      await context.close();
    }
  });

  it("the projector screen in both themes", async () => {
    const round = await createRound(suite.app, demoRound());
    const key = await suite.app.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${round.id}/screen-key`);
    const voters = await suite.app.api.newVoters(3);
    await Promise.all(voters.map((voter, i) => suite.app.api.vote(round.id, voter, [String(i + 1), "5"])));
    const { context, page } = await newPage(suite.browser, {
      baseURL: suite.app.urls[0] as string,
      viewport: { width: 1920, height: 1080 },
    });
    const found: Record<string, string[]> = {};
    try {
      for (const theme of ["dark", "light"]) {
        await page.goto(`/r/${round.id}/screen?key=${key.body.screenKey}&theme=${theme}`);
        await page.locator(".screen-list .screen-row").first().waitFor();
        await page.locator(".screen-qr img").waitFor();
        await page.locator(".screen-rest-row").first().waitFor();
        // Rows fade in as they arrive: judge the colours people see once they have.
        await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"));
        found[`screen ${theme}`] = await violations(page);
      }
      expect(found).toEqual({ "screen dark": [], "screen light": [] });
    } finally {
      await context.close();
    }
  });

  // The console's tabs in two tests: each axe pass over a tab takes seconds on a busy machine (Edit, with a form
  // for each of the 64 options, the longest), and one test for all of them came close to its time limit.
  it("the console: sign-in, the round list, and the Live, Share and Tickets tabs", async () => {
    await checkConsole(["Live", "Share", "Tickets"], { signIn: true });
  });

  it("the console: the Integrity, Results & exports and Edit tabs", async () => {
    await checkConsole(["Integrity", "Results & exports", "Edit"], { signIn: false });
  });
});

/** Signs in to the console, opens a demo round with two ballots, and checks each of `tabs` (and sign-in and the round list). */
async function checkConsole(tabs: string[], { signIn }: { signIn: boolean }): Promise<void> {
  const round = await createRound(suite.app, demoRound());
  const voters = await suite.app.api.newVoters(2);
  await Promise.all(voters.map((voter) => suite.app.api.vote(round.id, voter, ["1", "2"])));
  const { context, page } = await newPage(suite.browser, {
    baseURL: suite.app.urls[0] as string,
    locale: "en-US",
    viewport: { width: 1366, height: 900 },
  });
  const found: Record<string, string[]> = {};
  try {
    await page.goto("/admin");
    await page.getByLabel("Admin token").waitFor();
    if (signIn) found["sign-in"] = await violations(page);
    await page.getByLabel("Admin token").fill(suite.app.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Rounds" }).waitFor();
    if (signIn) found.rounds = await violations(page);
    await page.locator(`[data-round="${round.id}"] button`).click();
    const detail = page.locator(`[data-round-detail="${round.id}"]`);
    await detail.locator("h2").waitFor();
    for (const tab of tabs) {
      await detail.getByRole("tab", { name: tab }).click();
      await detail.getByRole("tab", { name: tab, selected: true }).waitFor();
      // Each panel loads what it shows: wait until no "Loading" is left in it.
      await page.waitForFunction(() => !document.querySelector("[role=tabpanel]")?.textContent?.includes("Loading"));
      found[`console ${tab}`] = await violations(page);
    }
    expect(Object.keys(found)).toHaveLength(tabs.length + (signIn ? 2 : 0));
    expect(Object.entries(found).filter(([, list]) => list.length > 0)).toEqual([]);
  } finally {
    await context.close();
  }
}
