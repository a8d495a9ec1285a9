import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPage, screenshot } from "../support/browser.js";
import { demoRound, smallRound } from "../support/rounds.js";
import { createRound, startVoteSuite } from "./vote-support.js";

/**
 * The voter page as a phone shows it (issue 11, "Voter page on a phone"): the first option above the fold of a
 * 360x640 screen, titles that get the card's width, search that ranks title matches first, one search control,
 * the picks bar at the bottom even with no results, the round's rule said once, the phone's dark mode, and a
 * first visit that logs no error. The demo round (64 options; its description says "最多选择15项").
 */

let suite: Awaited<ReturnType<typeof startVoteSuite>>;
let demoId: string;
beforeAll(async () => {
  suite = await startVoteSuite();
  demoId = (await createRound(suite.app, demoRound())).id;
});
afterAll(async () => {
  await suite?.close();
});

const PHONES = [
  { width: 360, height: 640 },
  { width: 390, height: 844 },
];

/** A new voter on the page, with every console error and failed request of the load recorded. */
async function openPhone(
  roundId: string,
  viewport: { width: number; height: number },
  colorScheme?: "dark",
  { neverIdle = false } = {},
) {
  const { context, page } = await newPage(suite.browser, { baseURL: suite.app.urls[0] as string, viewport });
  if (colorScheme) await page.emulateMedia({ colorScheme });
  // A phone that is never idle: whatever the page leaves for an idle moment never comes.
  if (neverIdle) {
    await page.addInitScript(() => {
      window.requestIdleCallback = () => 0;
      window.cancelIdleCallback = () => {};
    });
  }
  const problems: string[] = [];
  const answered: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("response", (response) => {
    answered.push(new URL(response.url()).pathname);
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  await page.goto(`/r/${roundId}`);
  await page.locator(".option").first().waitFor();
  await page.waitForFunction(() => document.querySelector('.option-list[aria-busy="true"]') === null);
  return { page, problems, answered, close: () => context.close() };
}

const box = async (page: Page, selector: string) => {
  const found = await page.locator(selector).first().boundingBox();
  if (!found) throw new Error(`${selector} is not rendered`);
  return found;
};

describe("vote page on a phone", { timeout: 60_000 }, () => {
  for (const viewport of PHONES) {
    it(`shows the first option whole above the picks bar at ${viewport.width}x${viewport.height}, title wide`, async () => {
      const phone = await openPhone(demoId, viewport);
      const { page } = phone;
      try {
        expect(await page.evaluate(() => window.scrollY)).toBe(0);
        const card = await box(page, ".option");
        const bar = await box(page, ".pick-bar");
        expect(card.y, "first card starts on screen").toBeGreaterThanOrEqual(0);
        expect(card.y + card.height, "first card ends above the picks bar").toBeLessThanOrEqual(bar.y);
        expect(bar.y + bar.height).toBeLessThanOrEqual(viewport.height + 1);

        // Checkbox, number and count take at most a quarter: the title at least three quarters of the card.
        const title = await box(page, ".option .option-title");
        expect(title.width / card.width).toBeGreaterThanOrEqual(0.75);
        await screenshot(page, `vote-phone-${viewport.width}x${viewport.height}`);
      } finally {
        await phone.close();
      }
    });
  }

  it("ranks title matches above description matches, with one search control; no results keep the bar down", async () => {
    // Never idle: the whole descriptions come because the voter searches, not because the page went idle.
    const phone = await openPhone(demoId, PHONES[0] as { width: number; height: number }, undefined, {
      neverIdle: true,
    });
    const { page } = phone;
    try {
      // Before typing: the field only (no clear button, and the browser's own clear button is hidden).
      expect(await page.locator(".search button").count()).toBe(0);
      const search = page.getByRole("searchbox", { name: "搜索选项" });
      await search.fill("检疫");
      // The first view has previews; a search fetches the whole descriptions: #3's match is past its preview.
      await page.waitForFunction(() => {
        const numbers = [...document.querySelectorAll(".option .option-number")].map((node) => node.textContent);
        return numbers[0] === "44" && numbers.includes("3");
      });
      const numbers = await page.locator(".option .option-number").allTextContents();
      // #44 has 检疫 in its title; #3 only in its description.
      expect(numbers.indexOf("44")).toBe(0);
      expect(numbers.indexOf("3")).toBeGreaterThan(numbers.indexOf("44"));
      expect(await page.getByRole("button", { name: "清除搜索" }).count()).toBe(1);
      await screenshot(page, "vote-phone-search-title-first");

      // No results: one line of text (no second clear button), and the picks bar stays at the screen's bottom.
      await search.fill("没有这种内容");
      await page.getByText("没有找到与“没有这种内容”匹配的选项。").waitFor();
      expect(await page.getByRole("button", { name: "清除搜索" }).count()).toBe(1);
      const bar = await box(page, ".pick-bar");
      expect(Math.abs(bar.y + bar.height - 640)).toBeLessThanOrEqual(1);
      await screenshot(page, "vote-phone-search-empty");

      await page.getByRole("button", { name: "清除搜索" }).click();
      await page.waitForFunction(() => document.querySelectorAll(".option").length === 64);
      expect(await search.evaluate((input) => input === document.activeElement)).toBe(true);
    } finally {
      await phone.close();
    }
  });

  it("says the rule once: not again under a description that states it, still where the description does not", async () => {
    const demo = await openPhone(demoId, PHONES[0] as { width: number; height: number });
    try {
      // The description says 最多选择15项; the heading with the same rule is there for screen readers only.
      await demo.page.locator(".round-description").getByText("最多选择15项").waitFor();
      const heading = await box(demo.page, "#ballot-heading");
      expect(heading.height).toBeLessThanOrEqual(1);
      expect(await demo.page.locator("#ballot-heading").textContent()).toBe("最多选择 15 项。");
      // The counter carries the maximum in sight.
      expect(await demo.page.locator(".pick-counter strong").textContent()).toBe("已选 0 / 15");
    } finally {
      await demo.close();
    }
    const plain = await createRound(suite.app, { ...smallRound(4, { minChoices: 1, maxChoices: 2 }), description: "" });
    const other = await openPhone(plain.id, PHONES[0] as { width: number; height: number });
    try {
      expect((await box(other.page, "#ballot-heading")).height).toBeGreaterThan(10);
    } finally {
      await other.close();
    }
  });

  it("follows the phone's dark mode", async () => {
    const luminance = (page: Page, selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((element) => {
          const [r, g, b] = (getComputedStyle(element).backgroundColor.match(/\d+/g) ?? []).map(Number);
          return (0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)) / 255;
        });
    const dark = await openPhone(demoId, PHONES[0] as { width: number; height: number }, "dark");
    try {
      expect(await luminance(dark.page, "html")).toBeLessThan(0.2);
      expect(await luminance(dark.page, ".option")).toBeLessThan(0.2);
      const text = await dark.page
        .locator(".option-title")
        .first()
        .evaluate((element) => getComputedStyle(element).color);
      expect(text).not.toBe("rgb(27, 31, 36)"); // the light theme's text colour would be unreadable
      await screenshot(dark.page, "vote-phone-dark");
    } finally {
      await dark.close();
    }
    const light = await openPhone(demoId, PHONES[0] as { width: number; height: number });
    try {
      expect(await luminance(light.page, "html")).toBeGreaterThan(0.8);
    } finally {
      await light.close();
    }
  });

  it("logs no error and no failed request on a first visit", async () => {
    const phone = await openPhone(demoId, PHONES[1] as { width: number; height: number });
    try {
      // The token and this voter's (empty) receipt arrive after the round: wait for both answers.
      await expect
        .poll(() => phone.answered.filter((path) => path.endsWith("/my-ballot")).length, { timeout: 10_000 })
        .toBe(1);
      expect(phone.problems).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
