import type { Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPage, screenshot } from "../support/browser.js";
import { smallRound } from "../support/rounds.js";
import { createRound, expectBallotsCounted, openVotePage, startVoteSuite } from "./vote-support.js";

/**
 * A ballot on a bad network: kept with its idempotency key, resent until the server answers, and counted exactly
 * once, whether the request never left the phone or the server counted it and the answer was lost.
 */

let suite: Awaited<ReturnType<typeof startVoteSuite>>;
beforeAll(async () => {
  suite = await startVoteSuite();
});
afterAll(async () => {
  await suite?.close();
});

const ballotUrl = "**/api/rounds/*/ballots";
const keyOf = (request: Request) => (request.postDataJSON() as { idempotencyKey: string }).idempotencyKey;

// Each test drives a browser for seconds; the margin is for a loaded 2-core CI machine.
describe("vote page on a bad network", { timeout: 60_000 }, () => {
  it("keeps a ballot sent while offline and sends it once the phone is back online", async () => {
    const round = await createRound(suite.app, smallRound(6, { minChoices: 2, maxChoices: 3 }));
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    try {
      await page.locator("#option-2").check();
      await page.locator("#option-5").check();

      await page.context().setOffline(true);
      await page.getByText("网络已断开。您的选择已保留，恢复连接后会自动发送。").waitFor();
      await page.getByRole("button", { name: "提交", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "确认提交" }).click();
      await page.getByText(/尚未发送成功：网络连接失败，将自动重试/).waitFor();
      expect(await page.locator("#option-2").isDisabled()).toBe(true); // the picks on their way are locked
      await screenshot(page, "vote-zh-offline-waiting");
      await expectBallotsCounted(suite.app, round.id, 0);

      // Back online: the page sends at once (the "online" event), without waiting for the backoff.
      const sent = page.waitForResponse((response) => response.url().endsWith("/ballots"));
      await page.context().setOffline(false);
      expect((await sent).status()).toBe(201);
      await page.getByRole("heading", { name: "您的投票已记录" }).waitFor();
      await screenshot(page, "vote-zh-offline-recorded");
      await expectBallotsCounted(suite.app, round.id, 1);
      const board = await suite.app.api.leaderboard(round.id);
      expect(board.totalBallots).toBe(1);
      expect(board.entries.filter((entry) => entry.votes > 0).map((entry) => entry.optionId)).toEqual(["2", "5"]);
    } finally {
      await voter.close();
    }
  });

  it("resends under the same key when the answer is lost, and the server counts the ballot once", async () => {
    const round = await createRound(suite.app, smallRound(6, { minChoices: 1, maxChoices: 3 }));
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    const keys: string[] = [];
    try {
      // The first two sends reach the server, which counts the ballot, but their answers never reach the phone.
      await page.route(ballotUrl, async (route) => {
        keys.push(keyOf(route.request()));
        if (keys.length <= 2) {
          await route.fetch();
          await route.abort("connectionreset");
        } else {
          await route.continue();
        }
      });
      await page.locator("#option-3").check();
      await page.getByRole("button", { name: "提交", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "确认提交" }).click();
      await page.getByText(/尚未发送成功/).waitFor();
      await screenshot(page, "vote-zh-answer-lost-waiting");

      // The third send (after the backoff, or at once with "try now") gets the first answer replayed.
      await page.getByRole("heading", { name: "您的投票已记录" }).waitFor({ timeout: 15_000 });
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
      await expectBallotsCounted(suite.app, round.id, 1);
      const audit = await suite.app.api.audit(round.id);
      expect(audit.entries).toHaveLength(1);
      expect(await page.locator(".receipt code").textContent()).toBe(audit.entries[0]?.ballotId);

      // After a reload nothing is resent: the server's receipt wins.
      await page.unroute(ballotUrl);
      let resent = 0;
      page.on("request", (request) => {
        if (request.url().endsWith("/ballots")) resent += 1;
      });
      await page.reload();
      await page.getByRole("heading", { name: "您已在本轮投过票" }).waitFor();
      expect(resent).toBe(0);
    } finally {
      await voter.close();
    }
  });

  it("sends a ballot kept from before a reload, under its key", async () => {
    const round = await createRound(suite.app, smallRound(4));
    const voter = await openVotePage(suite.browser, suite.app, round.id);
    const { page } = voter;
    const keys: string[] = [];
    try {
      await page.route(ballotUrl, (route) => {
        keys.push(keyOf(route.request()));
        return route.abort("connectionrefused");
      });
      await page.locator("#option-4").check();
      await page.getByRole("button", { name: "提交", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "确认提交" }).click();
      await page.getByText(/尚未发送成功/).waitFor();
      await page.unroute(ballotUrl);

      // The voter gives up waiting and reloads: the kept ballot goes out at once, with the same key.
      const resent = page.waitForRequest((request) => request.url().endsWith("/ballots"));
      await page.reload();
      expect(keyOf(await resent)).toBe(keys[0]);
      await page.getByRole("heading", { name: "您的投票已记录" }).waitFor();
      expect(await page.locator(".receipt-picks li").allTextContents()).toEqual(["4 Option 4"]);
      await expectBallotsCounted(suite.app, round.id, 1);
    } finally {
      await voter.close();
    }
  });

  it("says when the server cannot be reached, and loads when asked to try again", async () => {
    const round = await createRound(suite.app, smallRound(3));
    const { context, page } = await newPage(suite.browser, { baseURL: suite.app.urls[0] as string });
    try {
      await page.route("**/api/**", (route) => route.abort("connectionrefused"));
      await page.goto(`/r/${round.id}`);
      await page.getByRole("heading", { name: "无法连接投票服务" }).waitFor();
      await screenshot(page, "vote-zh-unreachable");
      await page.unroute("**/api/**");
      await page.getByRole("button", { name: "重试" }).click();
      await page.getByRole("heading", { name: round.title }).waitFor();
    } finally {
      await context.close();
    }
  });
});
