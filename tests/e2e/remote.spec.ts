import type { EventView, ShowState } from "@lb/common";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../support/backend.js";
import { newPage, PHONE_VIEWPORT, screenshot } from "../support/browser.js";
import { smallRound } from "../support/rounds.js";
import { startVoteSuite } from "./vote-support.js";

/** The host's phone remote at 390x844 (open, pause, close, add time), and undoing a reset in the console. */

const DESK = { width: 1366, height: 900 };

let app: Backends;
let browser: Browser;
let baseURL: string;

let suite: Awaited<ReturnType<typeof startVoteSuite>> | undefined;

beforeAll(async () => {
  suite = await startVoteSuite();
  ({ app, browser } = suite);
  baseURL = app.urls[0] as string;
});

afterAll(() => suite?.close());

async function signInHere(page: Page, label = "Admin token", submit = "Sign in"): Promise<void> {
  await page.getByLabel(label).fill(app.adminToken);
  await page.getByRole("button", { name: submit }).click();
}

const closesAtMs = async (roundId: string) => Date.parse((await app.api.round(roundId)).rules.closesAt ?? "");

describe("the phone remote", () => {
  it("moves an event on to its next round, and follows it", async () => {
    const [first, second] = [
      await app.api.createOpenRound(smallRound(2), "remote-ev1"),
      await app.api.createRound(smallRound(2), "remote-ev2"),
    ];
    const created = await app.api.admin<EventView>("POST", "/api/events", {
      title: "Awards night",
      rounds: [first.id, second.id],
    });
    expect(created.status).toBe(201);
    const eventId = created.body.id;
    await app.api.admin("POST", `/api/events/${eventId}/current`, { roundId: first.id });
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: PHONE_VIEWPORT });
    try {
      await page.goto(`/admin/r/${first.id}/remote`);
      await signInHere(page);
      // The next round's data is held back until the URL has moved: until it arrives, the remote shows no
      // controls at all, never the previous round's under the next round's URL (a "Close" that would close the
      // wrong round; a busy machine once showed it).
      let releaseSecond = () => {};
      const secondHeld = new Promise<void>((resolve) => {
        releaseSecond = resolve;
      });
      await page.route(`**/api/rounds/${second.id}`, async (route) => {
        await secondHeld;
        await route.continue();
      });
      await page.locator('[data-remote="next-round"]').click();
      await page.waitForURL(`**/admin/r/${second.id}/remote`);
      await page.locator(`[data-remote-view="${second.id}"]`).waitFor();
      expect(await page.locator("[data-remote]").count()).toBe(0);
      releaseSecond();
      expect((await app.api.admin<EventView>("GET", `/api/events/${eventId}`)).body.current).toBe(second.id);
      // The last round has no next one: no button.
      await page.locator(`[data-remote-view="${second.id}"] [data-remote="open"]:not([disabled])`).waitFor();
      expect(await page.locator('[data-remote="next-round"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("hides results on screens, freezes and steps the reveal from the phone", async () => {
    const round = await app.api.createOpenRound(smallRound(3), "remote-show");
    const show = async () =>
      (await app.api.admin<{ show: ShowState | null }>("GET", `/api/rounds/${round.id}/show`)).body.show;
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: PHONE_VIEWPORT });
    try {
      await page.goto(`/admin/r/${round.id}/remote`);
      await signInHere(page);
      const remote = page.locator(`[data-remote-view="${round.id}"]`);
      await remote.getByRole("button", { name: "Hide results on screens" }).click();
      await remote.getByRole("button", { name: "Show results on screens" }).waitFor();
      expect((await show())?.screenResultsHidden).toBe(true);
      await remote.getByRole("button", { name: "Freeze the public board" }).click();
      await remote.getByRole("button", { name: "Unfreeze" }).waitFor();
      expect((await show())?.frozenAt).not.toBeNull();
      // Closed and frozen: the reveal is the phone's to drive.
      await app.api.transition(round.id, "close");
      await remote.locator('[data-remote="reveal-next"]').click();
      await expect.poll(async () => (await show())?.reveal?.step).toBe(1);
      await screenshot(page, "remote-show");
    } finally {
      await context.close();
    }
  });

  it("opens, pauses, adds time and closes (confirmed) on a 390x844 phone", async () => {
    const round = await app.api.createRound(smallRound(3), "remote");
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: PHONE_VIEWPORT });
    try {
      await page.goto(`/admin/r/${round.id}/remote`);
      await signInHere(page);
      const remote = page.locator(`[data-remote-view="${round.id}"]`);
      await remote.getByRole("heading", { name: round.title }).waitFor();
      expect(await remote.getByTestId("remote-time-left").textContent()).toBe("No end set");

      // Thumb-sized buttons side by side, all inside the phone's width.
      for (const id of ["open", "pause", "close", "add-1", "add-5"]) {
        const box = await remote.locator(`[data-remote="${id}"]`).boundingBox();
        expect(box, id).not.toBeNull();
        expect(box?.height ?? 0, id).toBeGreaterThanOrEqual(56);
        expect((box?.x ?? 0) + (box?.width ?? 0), id).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
      }

      await remote.locator('[data-remote="open"]').click();
      await remote.getByText("Status is now: Open").waitFor();
      expect((await app.api.round(round.id)).status).toBe("open");
      await remote.locator('[data-remote="pause"]').click();
      await remote.getByText("Status is now: Paused").waitFor();
      expect((await app.api.round(round.id)).status).toBe("paused");
      await remote.locator('[data-remote="open"]').click();
      await remote.getByText("Status is now: Open").waitFor();

      // Add time: from now when there is no end, then onto the end.
      const before = Date.now();
      await remote.locator('[data-remote="add-5"]').click();
      await remote.getByText(/Voting now ends at/).waitFor();
      const first = await closesAtMs(round.id);
      expect(first).toBeGreaterThanOrEqual(before + 5 * 60_000 - 2_000);
      expect(first).toBeLessThanOrEqual(Date.now() + 5 * 60_000 + 2_000);
      await remote
        .getByTestId("remote-time-left")
        .filter({ hasText: /^[45]:\d\d$/ })
        .waitFor();
      await remote.locator('[data-remote="add-1"]').click();
      await expect.poll(() => closesAtMs(round.id)).toBe(first + 60_000);
      await remote
        .getByTestId("remote-time-left")
        .filter({ hasText: /^[56]:\d\d$/ })
        .waitFor();
      await screenshot(page, "remote-phone");

      // Close asks first: it ends the vote for everyone.
      await remote.locator('[data-remote="close"]').click();
      await remote.getByText("Close voting for everyone?").waitFor();
      expect((await app.api.round(round.id)).status).toBe("open");
      await screenshot(page, "remote-phone-close-confirm");
      await remote.getByRole("button", { name: "Close voting for everyone" }).click();
      await remote.getByText("Status is now: Closed").waitFor();
      expect((await app.api.round(round.id)).status).toBe("closed");
      // The label follows the live board, which the close reaches a tick after the answer.
      await expect.poll(() => remote.locator('[data-remote="open"]').textContent()).toBe("Reopen voting");
    } finally {
      await context.close();
    }
  });

  it("speaks Chinese to a zh-CN phone", async () => {
    const round = await app.api.createOpenRound(smallRound(2), "remote-zh");
    const { context, page } = await newPage(browser, { baseURL, locale: "zh-CN", viewport: PHONE_VIEWPORT });
    try {
      await page.goto(`/admin/r/${round.id}/remote`);
      await signInHere(page, "管理员令牌", "登录");
      const remote = page.locator(`[data-remote-view="${round.id}"]`);
      await remote.getByRole("button", { name: "暂停" }).click();
      await remote.getByText("当前状态：已暂停").waitFor();
      expect(await remote.locator('[data-remote="add-1"]').textContent()).toBe("+1 分钟");
      await screenshot(page, "remote-phone-zh");
    } finally {
      await context.close();
    }
  });
});

describe("undo reset in the console", () => {
  it("offers the undo right after a reset, brings the epoch back as it was, and hides it after a ballot", async () => {
    const round = await app.api.createOpenRound(smallRound(3), "undo");
    for (const voter of await app.api.newVoters(2)) await app.api.vote(round.id, voter, ["2"]);
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    try {
      await page.goto(`/admin/r/${round.id}/live`);
      await signInHere(page);
      const detail = page.locator(`[data-round-detail="${round.id}"]`);
      await detail.getByTestId("live-total").filter({ hasText: "2" }).waitFor();
      expect(await detail.getByRole("button", { name: /Undo reset/ }).count()).toBe(0);

      await detail.getByRole("button", { name: "Reset…" }).click();
      await detail.getByLabel(`Type the round ID “${round.id}” to confirm`).fill(round.id);
      await detail.getByRole("button", { name: "Archive epoch 1 and reset" }).click();
      const undo = detail.getByRole("button", { name: "Undo reset (back to epoch 1)" });
      await undo.waitFor();
      await screenshot(page, "console-undo-reset");
      await undo.click();
      await detail.getByText("Reset undone: epoch 1 is current again, status: Open.").waitFor();
      await undo.waitFor({ state: "detached" });
      expect(await app.api.round(round.id)).toMatchObject({ epoch: 1, status: "open", totalBallots: 2 });
      await detail.getByTestId("live-total").filter({ hasText: "2" }).waitFor();

      // Reset again, then a ballot lands in the new epoch: the undo is no longer offered.
      await detail.getByRole("button", { name: "Reset…" }).click();
      await detail.getByLabel(`Type the round ID “${round.id}” to confirm`).fill(round.id);
      await detail.getByRole("button", { name: "Archive epoch 1 and reset" }).click();
      await undo.waitFor();
      await app.api.transition(round.id, "open");
      await app.api.vote(round.id, await app.api.newVoter(), ["1"]);
      await undo.waitFor({ state: "detached" });
    } finally {
      await context.close();
    }
  });
});
