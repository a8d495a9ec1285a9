import type { BallotReceipt } from "@lb/common";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "../support/backend.js";
import { FRONTEND_DIST, launchBrowser, newPage, screenshot } from "../support/browser.js";
import { expectRecountMatches, voteFrom } from "../support/integrity.js";
import { smallRound } from "../support/rounds.js";

/**
 * The organiser watches the Integrity tab while a scripted stuffer (fresh voter tokens from one network, run
 * from this test process through X-Forwarded-For) votes, excludes the stuffer's network from the tab, and
 * the public board's total drops, with the reason shown.
 */

const DESK = { width: 1366, height: 900 };
const STUFFER_BALLOTS = 80;
/** The stuffer votes on a clock: one ballot every STUFFER_GAP_MS (a few seconds in all, so the tab refreshes). */
const STUFFER_GAP_MS = 50;

let app: Backends;
let browser: Browser;
let baseURL: string;

beforeAll(async () => {
  // TRUST_PROXY: the stuffer's X-Forwarded-For is the client address the audit log hashes.
  app = await startBackends(1, { staticDir: FRONTEND_DIST, trustProxy: true });
  baseURL = app.urls[0] as string;
  try {
    browser = await launchBrowser();
  } catch (error) {
    await app.close();
    throw error;
  }
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function runStuffer(roundId: string, onFirst: (receipt: BallotReceipt) => void): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < STUFFER_BALLOTS; i++) {
    // Load shaping: the next ballot leaves at its slot on the clock.
    const due = start + i * STUFFER_GAP_MS - Date.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    const receipt = await voteFrom(app.api, roundId, `10.66.${Math.floor(i / 200)}.${(i % 200) + 1}`, ["1"]);
    if (i === 0) onFirst(receipt);
  }
}

async function signIn(page: Page): Promise<void> {
  await page.goto("/admin");
  await page.getByLabel("Admin token").fill(app.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Rounds" }).waitFor();
}

describe("integrity tab", () => {
  // 13-15 s alone, 28-30 s beside the rest of the suite on a 2-core machine: its own waits allow up to 15 s each.
  it("shows a stuffer while it runs, excludes its network, and the public board's total drops", {
    timeout: 90_000,
  }, async () => {
    const round = await app.api.createOpenRound(smallRound(5, { minChoices: 1, maxChoices: 3 }), "e2e");
    const people = [["2", "3"], ["3", "4"], ["2"], ["4", "5"], ["1", "5"]];
    await Promise.all(people.map((choices, i) => voteFrom(app.api, round.id, `192.168.20.${i + 1}`, choices)));

    const consoleTab = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    const boardTab = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    const page = consoleTab.page;
    const board = boardTab.page;
    try {
      await board.goto(`/r/${round.id}/board`);
      await board.getByText(`Ballots: ${people.length}`).waitFor();

      await signIn(page);
      await page.locator(`[data-round="${round.id}"] button`).click();
      const detail = page.locator(`[data-round-detail="${round.id}"]`);
      await detail.getByRole("tab", { name: "Integrity" }).click();
      await detail.getByTestId("integrity-networks").waitFor();

      // The stuffer runs from this process; the tab refreshes by itself while it does.
      let stufferNetwork = "";
      let firstBallot: BallotReceipt | undefined;
      const stuffing = runStuffer(round.id, (receipt) => {
        firstBallot = receipt;
      });
      const networkRow = async () => {
        if (!stufferNetwork && firstBallot) {
          const { entries } = await app.api.audit(round.id);
          stufferNetwork = entries.find((entry) => entry.ballotId === firstBallot?.ballotId)?.network ?? "";
        }
        return stufferNetwork ? page.locator(`tr[data-network="${stufferNetwork}"]`) : null;
      };
      // Wait (on the page) for the stuffer's row to show up while it is still voting.
      await expect
        .poll(async () => (await (await networkRow())?.count()) ?? 0, { timeout: 15_000, interval: 200 })
        .toBe(1);
      await screenshot(page, "integrity-stuffer-running", { fullPage: true });
      await stuffing;

      // Once it is done, the live tab shows all of its ballots, as the top network.
      const total = people.length + STUFFER_BALLOTS;
      const row = (await networkRow()) as NonNullable<Awaited<ReturnType<typeof networkRow>>>;
      await row
        .locator("td")
        .first()
        .filter({ hasText: String(STUFFER_BALLOTS) })
        .waitFor({ timeout: 15_000 });
      expect(
        await detail.locator("[data-testid=integrity-networks] tbody tr").first().getAttribute("data-network"),
      ).toBe(stufferNetwork);
      await detail
        .getByTestId("integrity-counted")
        .filter({ hasText: String(total) })
        .waitFor({ timeout: 15_000 });
      await board.getByText(`Ballots: ${total}`).waitFor();
      await screenshot(page, "integrity-stuffer-done", { fullPage: true });

      // Exclude the network from its row, with a reason.
      await row.getByRole("button", { name: "Exclude…" }).click();
      const form = detail.getByTestId("exclude-form");
      await form.getByLabel("Reason (shown on the public board and in the results CSV)").fill("one laptop, 80 tokens");
      await form.getByRole("button", { name: "Exclude", exact: true }).click();
      await detail.getByText(`${STUFFER_BALLOTS} ballots excluded.`).waitFor();
      await detail.getByTestId("integrity-exclusions").getByText("one laptop, 80 tokens").waitFor();
      await detail
        .getByTestId("integrity-excluded")
        .filter({ hasText: String(STUFFER_BALLOTS) })
        .waitFor();

      // The public board's total drops over the live update chain, and it says why.
      await board.getByText(`Ballots: ${people.length}`).waitFor();
      const note = board.getByTestId("board-excluded");
      await note.getByText("one laptop, 80 tokens: 80").waitFor();
      expect(await note.textContent()).toContain("The organiser excluded 80 ballots");
      await screenshot(board, "integrity-board-after-exclusion");
      await screenshot(page, "integrity-after-exclusion", { fullPage: true });

      await expectRecountMatches(app.api, round.id, STUFFER_BALLOTS);
    } finally {
      await consoleTab.context.close();
      await boardTab.context.close();
    }
  });
});
