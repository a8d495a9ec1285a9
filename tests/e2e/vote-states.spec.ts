import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPage, screenshot } from "../support/browser.js";
import { demoRound, smallRound } from "../support/rounds.js";
import { createRound, openVotePage, startVoteSuite, waitForText } from "./vote-support.js";

/** Each state of a round gets its own clear screen or banner; the page speaks Chinese and English. */

let suite: Awaited<ReturnType<typeof startVoteSuite>>;
beforeAll(async () => {
  suite = await startVoteSuite();
});
afterAll(async () => {
  await suite?.close();
});

const submitButton = "提交";

// Each test drives a browser for seconds; the margin is for a loaded 2-core CI machine.
describe("vote page states", { timeout: 60_000 }, () => {
  it("shows a closed round's final results and no way to vote", async () => {
    const round = await createRound(suite.app, smallRound(4, { minChoices: 1, maxChoices: 2 }));
    const [first, second] = await suite.app.api.newVoters(2);
    await suite.app.api.vote(round.id, first as string, ["2", "3"]);
    await suite.app.api.vote(round.id, second as string, ["2"]);
    await suite.app.api.transition(round.id, "close");

    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    try {
      await page.getByText("投票已结束。").waitFor();
      // A closed round opens on its results.
      expect(await page.getByRole("tab", { name: "排行榜" }).getAttribute("aria-selected")).toBe("true");
      await page.getByRole("table", { name: "最终结果" }).waitFor();
      await page.waitForFunction(() => document.querySelector("tbody tr td.number")?.textContent === "2");
      expect(await page.locator("tbody tr").first().locator("td.numeric").allTextContents()).toEqual(["2", "100%"]);
      await screenshot(page, "vote-zh-closed-results", { fullPage: true });

      await page.getByRole("tab", { name: "投票" }).click();
      expect(await page.locator(".option").count()).toBe(4);
      expect(await page.getByRole("checkbox").count()).toBe(0);
      expect(await page.getByRole("button", { name: submitButton, exact: true }).count()).toBe(0);
    } finally {
      await voter.close();
    }
  });

  it("says when voting opens, lets the voter pick meanwhile, and opens on time", async () => {
    // Far enough ahead to see the page before it opens on a loaded CI machine, near enough to wait for.
    const opensAt = new Date(Date.now() + 5_000).toISOString();
    const round = await createRound(suite.app, smallRound(4), { rules: { opensAt } });
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    try {
      await page.getByText("投票尚未开始。您可以先浏览并选择选项。").waitFor();
      await page.getByText(/^投票将于 .+ 开始。$/).waitFor();
      await page.locator("#option-1").check();
      expect(await page.getByRole("button", { name: submitButton, exact: true }).isDisabled()).toBe(true);
      expect(await page.locator("#pick-reason").textContent()).toBe("当前不在投票时间。");
      await screenshot(page, "vote-zh-not-yet-open", { fullPage: true });

      // No reload and no server notice needed: the page's clock opens the window.
      await page
        .getByRole("button", { name: submitButton, exact: true })
        .and(page.locator(":enabled"))
        .waitFor({ timeout: 15_000 });
      expect(await page.getByText("投票尚未开始。您可以先浏览并选择选项。").count()).toBe(0);
    } finally {
      await voter.close();
    }
  });

  it("follows the organiser's pause and resume live, keeping the picks", async () => {
    const round = await createRound(suite.app, smallRound(4));
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    try {
      await page.locator("#option-4").check();
      await suite.app.api.transition(round.id, "pause");
      await page.getByText("投票已暂停。您的选择会保留，恢复后即可提交。").waitFor();
      expect(await page.getByRole("button", { name: submitButton, exact: true }).isDisabled()).toBe(true);
      await screenshot(page, "vote-zh-paused", { fullPage: true });

      await suite.app.api.transition(round.id, "open");
      await page.getByRole("button", { name: submitButton, exact: true }).and(page.locator(":enabled")).waitFor();
      expect(await page.locator("#option-4").isChecked()).toBe(true);
    } finally {
      await voter.close();
    }
  });

  it("shows results only after voting when the round says afterVote", async () => {
    const round = await createRound(suite.app, smallRound(4), { rules: { resultsVisibility: "afterVote" } });
    await suite.app.api.vote(round.id, await suite.app.api.newVoter(), ["1"]);
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    try {
      await page.getByRole("tab", { name: "排行榜" }).click();
      await page.getByText("投票后即可在此查看结果。").waitFor();
      expect(await page.locator(".option-votes").count()).toBe(0);
      await waitForText(page, ".vote-stats div:nth-child(2) dd", "1"); // the number of voters is still shown
      await screenshot(page, "vote-zh-results-hidden", { fullPage: true });

      await page.getByRole("tab", { name: "投票" }).click();
      await page.locator("#option-2").check();
      await page.getByRole("button", { name: submitButton, exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "确认提交" }).click();
      await page.getByRole("heading", { name: "您的投票已记录" }).waitFor();
      // Having voted, the page asks for the board again and now sees the votes; its own ballot arrives with the
      // snapshot or with the next live update (the board a join gets is at most one tick old).
      await expect
        .poll(() => page.locator(".option-votes").allTextContents(), { timeout: 5_000 })
        .toEqual(["1票", "1票", "0票", "0票"]);
    } finally {
      await voter.close();
    }
  });

  it("can be used with the keyboard alone, and moves focus to the outcome", async () => {
    const round = await createRound(suite.app, demoRound());
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    const focused = () => page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName ?? "");
    try {
      // Tab from the top of the page: skip link, header, rules, the selected tab, the search box, then option 1.
      for (let presses = 0; (await focused()) !== "option-1"; presses++) {
        expect(presses, "Tab never reached the first option").toBeLessThan(12);
        await page.keyboard.press("Tab");
      }
      await page.keyboard.press("Space");
      expect(await page.locator("#option-1").isChecked()).toBe(true);
      expect(await page.locator(".pick-counter").getAttribute("aria-live")).toBe("polite");
      await page.keyboard.press("Tab"); // the card's "show more"
      await page.keyboard.press("Enter");
      expect(
        await page.locator(".option").first().getByRole("button", { name: "收起" }).getAttribute("aria-expanded"),
      ).toBe("true");
      // The page came with cut descriptions (the light first view); the whole one follows for "show more".
      const lastParagraph = demoRound().options[0]?.description?.trim().split("\n").at(-1) ?? "";
      expect(lastParagraph.length).toBeGreaterThan(0);
      await waitForText(page, "#option-body-1 p:last-child", lastParagraph);

      // The arrow keys move between the tabs.
      await page.getByRole("tab", { name: "投票" }).focus();
      await page.keyboard.press("ArrowRight");
      expect(await focused()).toBe("tab-board");
      expect(await page.getByRole("tab", { name: "排行榜" }).getAttribute("aria-selected")).toBe("true");
      await page.keyboard.press("ArrowLeft");
      expect(await focused()).toBe("tab-vote");

      // Submit opens the tray with focus inside; confirming moves focus to the receipt's heading.
      await page.getByRole("button", { name: submitButton, exact: true }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("dialog").waitFor();
      expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
      await page.getByRole("dialog").getByRole("button", { name: "确认提交" }).focus();
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => document.activeElement?.id === "receipt-heading");
    } finally {
      await voter.close();
    }
  });

  it("fits a 360 px phone without sideways scrolling, and lays out on a desktop", async () => {
    const round = await createRound(suite.app, demoRound());
    await suite.app.api.vote(round.id, await suite.app.api.newVoter(), ["1", "2"]);
    for (const viewport of [
      { width: 360, height: 740 },
      { width: 1280, height: 900 },
    ]) {
      const { context, page } = await newPage(suite.browser, { baseURL: suite.app.urls[0] as string, viewport });
      try {
        await page.goto(`/r/${round.id}`);
        await page.locator(".option-votes").first().waitFor();
        const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(await overflow()).toBe(0);
        await screenshot(page, `vote-zh-${viewport.width}px`);
        await page.getByRole("tab", { name: "排行榜" }).click();
        await page.getByRole("table").waitFor();
        expect(await overflow()).toBe(0);
        await screenshot(page, `vote-zh-${viewport.width}px-leaderboard`);
      } finally {
        await context.close();
      }
    }
  });

  it("has its own screen for an unknown round", async () => {
    const { context, page } = await newPage(suite.browser, { baseURL: suite.app.urls[0] as string });
    try {
      await page.goto("/r/no-such-round");
      await page.getByRole("heading", { name: "找不到这个投票" }).waitFor();
      await screenshot(page, "vote-zh-unknown-round");
    } finally {
      await context.close();
    }
  });

  it("speaks English to an English browser, switches to Chinese on the page, and remembers it", async () => {
    const round = await createRound(suite.app, demoRound());
    const voter = await openVotePage(suite.browser, suite.app, round.id, "en-GB");
    const { page } = voter;
    try {
      expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
      expect(await page.locator(".pick-counter strong").textContent()).toBe("0 of 15 selected");
      await page.getByRole("tab", { name: "Leaderboard" }).waitFor();
      await waitForText(page, ".vote-stats div:nth-child(3) dd", "0"); // once the live board is there
      expect(await page.locator(".vote-stats dt").allTextContents()).toEqual(["Options", "Voters", "Votes cast"]);
      expect(await page.locator(".option-votes").first().textContent()).toBe("0 votes");
      await page.locator("#option-12").check();
      await screenshot(page, "vote-en-open");

      await page.getByRole("button", { name: "Voting rules · Show rule details" }).click();
      const rules = page.getByRole("dialog", { name: "Voting rules" });
      await rules.getByText("Choose up to 15 options.").waitFor();
      await rules.getByText("Each voter submits one ballot. It cannot be changed once submitted.").waitFor();
      await rules.getByText("The organiser opens and closes voting.").waitFor();
      await rules.getByText("Vote counts are public and update live.").waitFor();
      await screenshot(page, "vote-en-rules");
      await page.keyboard.press("Escape");
      await rules.waitFor({ state: "hidden" });

      // The switch changes every string at once, keeps the picks, and is remembered on the next visit.
      await page.getByRole("button", { name: "中文" }).click();
      expect(await page.locator(".pick-counter strong").textContent()).toBe("已选 1 / 15");
      expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
      expect(await page.locator(".option-votes").first().textContent()).toBe("0票");
      await page.reload();
      await page.getByRole("tab", { name: "排行榜" }).waitFor();
      expect(await page.locator("#option-12").isChecked()).toBe(true);
      await page.getByRole("button", { name: "English" }).click();
      expect(await page.locator(".pick-counter strong").textContent()).toBe("1 of 15 selected");
    } finally {
      await voter.close();
    }
  });
});
