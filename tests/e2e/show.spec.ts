import type { ScreenKeyResponse } from "@lb/common";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../support/backend.js";
import { newPage, screenshot } from "../support/browser.js";
import { expectStatus } from "../support/http.js";
import { smallRound } from "../support/rounds.js";
import { startVoteSuite } from "./vote-support.js";

/**
 * The show in Chromium: a countdown on the screen and a phone that ends with the round closing by itself and
 * the screen on final results; a frozen board revealed from the console, step by step, on two screens in step
 * (one reloaded mid-reveal), ending on the podium. Screenshots of the reveal go to tests/artifacts/screenshots/.
 */
const SCREEN = { width: 1920, height: 1080 };
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

async function screenKey(roundId: string): Promise<string> {
  const res = await app.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${roundId}/screen-key`);
  expectStatus(res, 200);
  return res.body.screenKey;
}

async function votes(roundId: string, choice: string, count: number): Promise<void> {
  const voters = await app.api.newVoters(count);
  await Promise.all(voters.map((voter) => app.api.vote(roundId, voter, [choice])));
}

async function openScreen(roundId: string, key: string): Promise<Page> {
  const { page } = await newPage(browser, { baseURL, locale: "en-US", viewport: SCREEN });
  await page.goto(`/r/${roundId}/screen?key=${encodeURIComponent(key)}&top=6`);
  return page;
}

/** The option ids of the screen's rows, top first. */
const screenOrder = (page: Page) =>
  page.$$eval(".screen-list .screen-row", (rows) => rows.map((row) => (row as HTMLElement).dataset.option ?? ""));

describe("the show", () => {
  it("counts down on the screen and a phone, warns, and the round closes by itself into final results", {
    timeout: 90_000,
  }, async () => {
    // Far away while the pages load (a loaded machine may take seconds), then brought near as the console's
    // "add time" does: by a PATCH of rules.closesAt, which reaches the open pages live.
    const round = await app.api.createOpenRound({
      ...smallRound(3),
      title: "Countdown round",
      rules: { minChoices: 1, maxChoices: 1, closesAt: new Date(Date.now() + 300_000).toISOString() },
    });
    await votes(round.id, "2", 2);
    const screen = await openScreen(round.id, await screenKey(round.id));
    const { page: phone } = await newPage(browser, { baseURL, locale: "zh-CN" });
    await phone.goto(`/r/${round.id}`);
    const countdown = screen.locator(".show-countdown-screen");
    await screen.locator('.show-countdown-screen[data-warning="0"]').waitFor();
    await phone.locator(".show-countdown-phone").getByText("距投票结束").waitFor();
    const closesAt = new Date(Date.now() + 20_000).toISOString();
    expectStatus(await app.api.patchRound(round.id, { rules: { closesAt } }), 200);
    // Under 10 s: the second warning mark (60 s, 10 s) is passed on both. Both are watched from now on, side by
    // side, so a slow page on a loaded machine does not eat into the other's window.
    await Promise.all([
      screen.locator('.show-countdown-screen[data-warning="2"]').waitFor({ timeout: 25_000 }),
      phone.locator('.show-countdown-phone[data-warning="2"]').waitFor({ timeout: 25_000 }),
    ]);
    const seconds = Number(await countdown.getAttribute("data-seconds"));
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(10);
    await screenshot(screen, "show-countdown-screen");
    await screenshot(phone, "show-countdown-phone");
    // Nobody presses anything: the server closes the round and the screen shows the final results.
    await screen.locator('.screen[data-status="closed"]').waitFor({ timeout: 15_000 });
    await screen.locator(".screen-pill-closed").getByText("Final results").waitFor();
    expect(await screen.locator(".show-countdown-screen").count()).toBe(0);
    expect((await screenOrder(screen))[0]).toBe("2");
    await phone.locator(".notice-closed").waitFor();
    expect((await app.api.round(round.id)).status).toBe("closed");
    await screenshot(screen, "show-countdown-closed");
    await screen.context().close();
    await phone.context().close();
  });

  it("freezes, then reveals from the console to the podium on two screens in step, one reloaded mid-reveal", {
    timeout: 60_000,
  }, async () => {
    const round = await app.api.createOpenRound({
      ...smallRound(6),
      title: "Finale",
      rules: { minChoices: 1, maxChoices: 1 },
    });
    await votes(round.id, "1", 5);
    await votes(round.id, "2", 4);
    await votes(round.id, "3", 3);
    await votes(round.id, "4", 2);
    await votes(round.id, "5", 1);
    const key = await screenKey(round.id);
    const [first, second] = [await openScreen(round.id, key), await openScreen(round.id, key)] as [Page, Page];
    await first.locator('.screen-row[data-option="1"][data-votes="5"]').waitFor();

    // The console freezes the public board; ballots after it count unseen.
    const { page: console } = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    await console.goto("/admin");
    await console.getByLabel("Admin token").fill(app.adminToken);
    await console.getByRole("button", { name: "Sign in" }).click();
    await console.locator(`[data-round="${round.id}"] button`).click();
    const detail = console.locator(`[data-round-detail="${round.id}"]`);
    const controls = detail.getByTestId("show-controls");
    await controls.getByRole("button", { name: "Freeze the public board" }).click();
    for (const screen of [first, second]) await screen.locator(".show-frozen-banner").getByText("Frozen").waitFor();
    await votes(round.id, "6", 6);
    await votes(round.id, "5", 1);
    expectStatus(await app.api.admin("PATCH", `/api/rounds/${round.id}/show`, { revealTop: 3 }), 200);
    // The organiser sees the live board; the screens the frozen one.
    await detail.getByTestId("live-total").getByText("22").waitFor();
    expect(await first.locator('.screen-row[data-option="6"]').getAttribute("data-votes")).toBe("0");
    await screenshot(first, "show-frozen");

    await detail.getByRole("button", { name: "Close voting" }).click();
    await detail.getByRole("button", { name: "Close voting for everyone" }).click();
    for (const screen of [first, second]) {
      await screen.locator('[data-testid="show-frozen"][data-reveal-step="0"]').getByText("Step 0 of 4").waitFor();
    }
    const next = controls.getByRole("button", { name: "Next reveal step" });
    // 6 (frozen last, 6 hidden votes) is resolved first and climbs to the top; then 3, 2, 1 keep their places.
    const expected = [
      ["6", "1", "2", "3", "4", "5"],
      ["6", "1", "2", "3", "4", "5"],
      ["6", "1", "2", "3", "4", "5"],
      ["6", "1", "2", "3", "4", "5"],
    ];
    let screens: Page[] = [first, second];
    for (const [index, order] of expected.entries()) {
      const step = index + 1;
      await next.click();
      await controls.getByText(`Reveal: step ${step} of 4`).waitFor();
      for (const screen of screens) {
        await screen.locator(`[data-testid="show-frozen"][data-reveal-step="${step}"]`).waitFor();
        await screen.waitForFunction(
          (ids) =>
            [...document.querySelectorAll<HTMLElement>(".screen-list .screen-row")]
              .map((row) => row.dataset.option)
              .join(",") === ids.join(","),
          order,
        );
      }
      await screenshot(screens[0] as Page, `show-reveal-step-${step}`);
      if (step === 2) {
        // A screen reloads mid-reveal: it comes back at the same step.
        await second.reload();
        await second.locator('[data-testid="show-frozen"][data-reveal-step="2"]').waitFor();
        expect(await screenOrder(second)).toEqual(await screenOrder(first));
        screens = [first, second];
      }
    }
    await next.click();
    for (const screen of screens) {
      await screen.getByTestId("podium").waitFor();
      expect(
        await screen.$$eval(".show-podium-step", (steps) => steps.map((step) => (step as HTMLElement).dataset.rank)),
      ).toEqual(["2", "1", "3"]);
    }
    expect(await first.locator('.show-podium-step[data-rank="1"]').getAttribute("data-option")).toBe("6");
    await controls.getByText("Podium shown").waitFor();
    await screenshot(first, "show-podium");
    await first.context().close();
    await second.context().close();
    await console.context().close();
  });
});
