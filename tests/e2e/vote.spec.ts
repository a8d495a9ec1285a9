import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot } from "../support/browser.js";
import { demoRound } from "../support/rounds.js";
import { createRound, expectBallotsCounted, openVotePage, startVoteSuite, waitForText } from "./vote-support.js";

/**
 * The voter's main path on a phone (390x844, Chinese browser) against a real backend and Redis: the demo round's
 * 64 options, search, the 15-pick limit, review and submit, the receipt, the voted state after a reload, and
 * the leaderboard tab following another voter's ballot live.
 */

let suite: Awaited<ReturnType<typeof startVoteSuite>>;
beforeAll(async () => {
  suite = await startVoteSuite();
});
afterAll(async () => {
  await suite?.close();
});

const optionNumbers = (page: Page) => page.locator(".option .option-number").allTextContents();
const counter = (page: Page) => page.locator(".pick-counter strong").textContent();

// Each test drives a browser for seconds; the margin is for a loaded 2-core CI machine.
describe("vote page", { timeout: 60_000 }, () => {
  it("searches, picks 15 (the 16th is refused), submits, shows the receipt, and knows after a reload", async () => {
    const round = await createRound(suite.app, demoRound());
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    try {
      expect(await page.locator(".vote-stats dd").first().textContent()).toBe("64");
      expect(await page.locator(".option").count()).toBe(64);
      expect(await counter(page)).toBe("已选 0 / 15");
      await screenshot(page, "vote-zh-open");

      // Chinese substring search over titles and descriptions, with highlights.
      const search = page.getByRole("searchbox", { name: "搜索选项" });
      await search.fill("粮食");
      // Title matches first, then options found only in their description, each in option order.
      const inTitle = round.options.filter((option) => option.title.includes("粮食"));
      const inText = round.options.filter((o) => !o.title.includes("粮食") && o.description.includes("粮食"));
      const expected = [...inTitle, ...inText].map((option) => String(option.number));
      expect(expected.length).toBeGreaterThan(0);
      await page.getByText(`显示 ${expected.length} / 64 项`).waitFor();
      expect(await optionNumbers(page)).toEqual(expected);
      expect(await page.locator(".option mark").first().textContent()).toBe("粮食");
      await screenshot(page, "vote-zh-search");

      // A pick made while searching survives clearing the search.
      const firstMatch = expected[0] as string;
      await page.getByRole("checkbox").first().check();
      // A number finds that option first, then the numbers it starts (then texts that contain it).
      await search.fill("6");
      await page.waitForFunction(() => document.querySelector(".option .option-number")?.textContent === "6");
      expect((await optionNumbers(page)).slice(0, 6)).toEqual(["6", "60", "61", "62", "63", "64"]);
      await search.fill("没有这种内容");
      await page.getByText("没有找到与“没有这种内容”匹配的选项。").waitFor();
      await screenshot(page, "vote-zh-search-empty");
      await page.locator(".search").getByRole("button", { name: "清除搜索" }).click();
      await page.waitForFunction(() => document.querySelectorAll(".option").length === 64);
      expect(await counter(page)).toBe("已选 1 / 15");
      expect(await page.locator(`#option-${firstMatch}`).isChecked()).toBe(true);

      // Pick up to the maximum; every other option is then disabled and the 16th tick is refused.
      const unchecked = page.locator(".option-pick input:not(:checked)");
      while ((await counter(page)) !== "已选 15 / 15") await unchecked.first().check();
      expect(await page.locator(".option-pick input:checked").count()).toBe(15);
      expect(await page.locator(".option-pick input:disabled").count()).toBe(64 - 15);
      await unchecked.first().click({ force: true });
      expect(await counter(page)).toBe("已选 15 / 15");
      await page.getByText("已达到最多可选数量。如需改选，请先取消一项。").waitFor();
      await screenshot(page, "vote-zh-max");

      // Review in the tray: remove one there, pick it again, then confirm.
      await page.getByRole("button", { name: "提交", exact: true }).click();
      await page.getByRole("dialog", { name: "已选 15 项" }).waitFor();
      const tray = page.getByRole("dialog"); // the only open one; its name follows the count
      await screenshot(page, "vote-zh-tray");
      const removed = await tray.locator("li .option-number").first().textContent();
      await tray.getByRole("button", { name: new RegExp(`^移除 ${removed} `) }).click(); // names number and title
      await page.getByRole("dialog", { name: "已选 14 项" }).waitFor();
      await tray.getByRole("button", { name: "继续选择" }).click();
      await page.locator(`#option-${removed}`).check();
      const picked = await page
        .locator(".option-pick input:checked")
        .evaluateAll((inputs) => inputs.map((input) => input.id.replace("option-", "")));
      await page.getByRole("button", { name: "提交", exact: true }).click();
      await tray.getByRole("button", { name: "确认提交" }).click();

      await page.getByRole("heading", { name: "您的投票已记录" }).waitFor();
      const ballotId = await page.locator(".receipt code").textContent();
      expect(ballotId).toMatch(/\S/);
      expect(await page.locator(".receipt-picks li").count()).toBe(15);
      await screenshot(page, "vote-zh-receipt");
      await expectBallotsCounted(suite.app, round.id, 1);
      const audit = await suite.app.api.audit(round.id);
      expect(audit.entries.map((entry) => [...entry.choices].sort())).toEqual([[...picked].sort()]);
      // The page says how long after its load the ballot left (integrity view): this voter took a while to pick 15.
      expect(audit.entries[0]?.sinceLoadMs).toBeGreaterThan(0);

      // The server, not this browser's storage, knows this voter voted.
      await page.evaluate(() => {
        localStorage.clear();
        sessionStorage.clear();
      });
      await page.reload();
      await page.getByRole("heading", { name: "您已在本轮投过票" }).waitFor();
      expect(await page.locator(".receipt code").textContent()).toBe(ballotId);
      expect(await page.locator(".option-pick input").count()).toBe(0); // read-only now
      await screenshot(page, "vote-zh-voted-after-reload");
    } finally {
      await voter.close();
    }
  });

  it("updates the leaderboard tab live when someone else votes", async () => {
    const round = await createRound(suite.app, demoRound());
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    try {
      await page.getByRole("tab", { name: "排行榜" }).click();
      await page.getByRole("table").waitFor();
      const row = (number: number) =>
        page.locator("tbody tr").filter({ has: page.locator("td.number", { hasText: new RegExp(`^${number}$`) }) });
      expect(await row(64).locator("td.numeric").first().textContent()).toBe("0");
      await waitForText(page, ".vote-stats div:nth-child(2) dd", "0");

      const other = await suite.app.api.newVoter();
      await suite.app.api.vote(round.id, other, ["64", "7"]);

      // Option 64 climbs to the top with one vote and a 100% share; the voter count follows.
      await page.waitForFunction(() => {
        const first = document.querySelector("tbody tr");
        return first?.querySelector("td.number")?.textContent === "7" && first.textContent?.includes("100%");
      });
      expect(await row(64).locator("td.numeric").first().textContent()).toBe("1");
      expect(await row(64).locator("td.rank").textContent()).toBe("1");
      await waitForText(page, ".vote-stats div:nth-child(2) dd", "1");
      await waitForText(page, ".vote-stats div:nth-child(3) dd", "2");
      await screenshot(page, "vote-zh-leaderboard-live");

      // The vote tab shows the same counts under each option.
      await page.getByRole("tab", { name: "投票" }).click();
      expect(
        await page
          .locator(".option")
          .filter({ has: page.locator("#option-64") })
          .locator(".option-votes")
          .textContent(),
      ).toBe("1票");
    } finally {
      await voter.close();
    }
  });
});
