import type { Leaderboard, ScreenKeyResponse } from "@lb/common";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../support/backend.js";
import { newPage, screenshot } from "../support/browser.js";
import { expectStatus } from "../support/http.js";
import { smallRound } from "../support/rounds.js";
import { startVoteSuite } from "./vote-support.js";

/**
 * Replay of the race on the projector (from the first frame to the final board), and "verify my ballot":
 * a voter's receipt links to the verify page, which finds the ballot in the published log, and a tampered
 * log file is refused.
 */

const SCREEN = { width: 1600, height: 900 };
/** Ballots are spread over a few seconds so that the replay has several one-second frames. */
const BALLOT_GAP_MS = 450;

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

describe("replay", () => {
  it("plays the round back from the start to the final board", async () => {
    const round = await app.api.createOpenRound(smallRound(5, { minChoices: 1, maxChoices: 2 }, "Replay"), "replay");
    const picks = [["1"], ["2"], ["2", "3"], ["3"], ["3", "4"], ["5"], ["3"], ["1", "3"]];
    for (const choices of picks) {
      await app.api.vote(round.id, await app.api.newVoter(), choices);
      // Load shaping: the race has to last a few seconds to have a story.
      await new Promise((resolve) => setTimeout(resolve, BALLOT_GAP_MS));
    }
    await app.api.transition(round.id, "close");
    const final: Leaderboard = await app.api.leaderboard(round.id);
    const key = await app.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${round.id}/screen-key`);

    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: SCREEN });
    try {
      await page.goto(`/r/${round.id}/screen?key=${encodeURIComponent(key.body.screenKey)}&replay=1`);
      const controls = page.locator(".replay-controls");
      await controls.waitFor();
      const frames = Number(await controls.getAttribute("data-frames"));
      expect(frames).toBeGreaterThanOrEqual(3);
      // The start: the first second's ballots only.
      expect(await controls.getAttribute("data-frame")).toBe("0");
      expect(Number(await page.getByTestId("replay-ballots").textContent())).toBeLessThan(picks.length);

      await page.getByLabel("Speed").selectOption("10");
      await page.getByRole("button", { name: "Play" }).click();
      await page.locator(`.replay-controls[data-frame="${frames - 1}"][data-playing="false"]`).waitFor();
      await page.getByText("Final board").waitFor();
      expect(await page.getByTestId("replay-ballots").textContent()).toBe(String(picks.length));
      const rows = await page
        .locator(".screen-row")
        .evaluateAll((items) =>
          items.map((item) => [item.getAttribute("data-option"), item.getAttribute("data-votes")]),
        );
      expect(rows).toEqual(final.entries.map((entry) => [entry.optionId, String(entry.votes)]));
      await screenshot(page, "replay-final-board");

      // Scrub back to the start.
      await page.getByLabel("Time in the round").fill("0");
      await page.locator('.replay-controls[data-frame="0"]').waitFor();
    } finally {
      await context.close();
    }
  });
});

describe("verify my ballot", () => {
  it("the receipt links to the verify page, which finds the ballot; a tampered log is refused", async () => {
    const round = await app.api.createOpenRound(smallRound(3, { minChoices: 1, maxChoices: 1 }, "Verify"), "verify");
    for (const choices of [["1"], ["2"], ["1"]]) await app.api.vote(round.id, await app.api.newVoter(), choices);

    const { context, page } = await newPage(browser, { baseURL, locale: "en-US" });
    try {
      await page.goto(`/r/${round.id}`);
      await page.locator(".vote h1").waitFor();
      await page.locator("#option-2").check();
      await page.getByRole("button", { name: "Submit", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Confirm and submit" }).click();
      await page.getByRole("heading", { name: "Your vote is recorded" }).waitFor();
      const hash = (await page.locator(".receipt-hash").textContent()) ?? "";
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      await app.api.vote(round.id, await app.api.newVoter(), ["3"]);

      await app.api.transition(round.id, "close");
      expectStatus(await app.api.admin("POST", `/api/rounds/${round.id}/publish`), 200);

      await page.getByRole("link", { name: "Verify my ballot" }).click();
      await page.getByRole("heading", { name: "Verify my ballot" }).waitFor();
      expect(await page.getByLabel("Your receipt's hash").inputValue()).toBe(hash);
      await page.getByRole("button", { name: "Check against the published log" }).click();
      await page.locator('[data-result="ok"]').waitFor();
      await page.getByText("Your ballot is in the log and counted.").waitFor();
      await screenshot(page, "verify-found", { fullPage: true });

      // A log whose second ballot now says another option: the chain does not hold and the page says so.
      const log = await app.api.get(`/api/rounds/${round.id}/published-log`);
      const lines = log.text.split("\n");
      lines[2] = (lines[2] ?? "").replace(/"choices":\["\d"\]/, '"choices":["3"]');
      expect(lines.join("\n")).not.toBe(log.text);
      await page.locator('input[type="file"]').setInputFiles({
        name: "tampered.ndjson",
        mimeType: "application/x-ndjson",
        buffer: Buffer.from(lines.join("\n")),
      });
      await page.locator('[data-result="refused"]').waitFor();
      await page.getByText("does not chain").first().waitFor();
      await screenshot(page, "verify-tampered-refused", { fullPage: true });
    } finally {
      await context.close();
    }
  });
});
