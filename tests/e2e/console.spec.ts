import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Leaderboard, RoundCreateInput, ScreenKeyResponse } from "@lb/common";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../frontend/src/features/admin/import/parse-csv.js";
import type { Backends } from "../support/backend.js";
import { newPage, screenshot } from "../support/browser.js";
import { expectStatus } from "../support/http.js";
import { smallRound, uniqueRoundId } from "../support/rounds.js";
import { startVoteSuite } from "./vote-support.js";

/**
 * The organiser's path in headless Chromium against a real backend and Redis: import the shared round in the
 * console, open it, ballots cast through the API reorder the projector screen within a second, pause, close,
 * export the results, reset (the screen returns to zero) and read the archived epoch back.
 */

const DEMO_FILE = fileURLToPath(new URL("../../backend/data/qingdao-customs-2021.json", import.meta.url));
const demo = JSON.parse(readFileSync(DEMO_FILE, "utf8")) as RoundCreateInput;
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

/** The option ids of the screen's top rows, in the order on screen. */
const screenOrder = (page: Page) =>
  page.$$eval(".screen-list .screen-row", (rows) => rows.map((row) => (row as HTMLElement).dataset.option ?? ""));

/** Waits until the screen's top rows start with `ids`; the timeout is the point ("within a second"). */
async function expectScreenToStartWith(page: Page, ids: string[], timeout = 1_000): Promise<void> {
  await page.waitForFunction(
    (expected) =>
      [...document.querySelectorAll<HTMLElement>(".screen-list .screen-row")]
        .slice(0, expected.length)
        .map((row) => row.dataset.option)
        .join(",") === expected.join(","),
    ids,
    { timeout },
  );
}

/** Waits until the counts have finished ticking (each shows its final value) so a screenshot is exact. */
async function waitForCountsSettled(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLElement>(".screen [data-value]")].every(
      (element) => element.textContent?.replace(/\D/g, "") === element.dataset.value,
    ),
  );
}

async function signIn(page: Page): Promise<void> {
  await page.goto("/admin");
  await page.getByLabel("Admin token").fill(app.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Rounds" }).waitFor();
}

/** Each voter is new, so each ballot counts; `choices` are option ids (the numbers, as strings). */
async function castBallots(roundId: string, ballots: string[][]): Promise<void> {
  const voters = await app.api.newVoters(ballots.length);
  await Promise.all(ballots.map((choices, index) => app.api.vote(roundId, voters[index] as string, choices)));
}

async function adminBoard(roundId: string, epoch?: number): Promise<Leaderboard> {
  const res = await app.api.admin<Leaderboard>(
    "GET",
    `/api/rounds/${roundId}/leaderboard${epoch ? `?epoch=${epoch}` : ""}`,
  );
  expectStatus(res, 200);
  return res.body;
}

/** Clicks a console button that triggers a download and returns the file's name and text. */
async function download(page: Page, button: Locator): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), button.click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path, "utf8") };
}

/** The CSV export checked row by row against the leaderboard it was made from. */
function expectCsvMatches(text: string, board: Leaderboard): void {
  expect(text.startsWith("\uFEFF")).toBe(true);
  const parsed = parseCsv(text);
  if (!parsed.ok) throw new Error(`unclosed quote on line ${parsed.unclosedQuoteLine}`);
  const [header, ...rows] = parsed.records.map((record) => record.fields);
  expect(header).toEqual(["rank", "number", "title", "votes", "share"]);
  expect(rows).toEqual(
    board.entries.map((entry) => [
      String(entry.rank),
      String(entry.number),
      entry.title,
      String(entry.votes),
      (board.totalBallots === 0 ? 0 : Math.round((entry.votes / board.totalBallots) * 1000) / 10).toFixed(1),
    ]),
  );
}

describe("organiser console and projector screen", () => {
  // 12-14 s alone (the same before and after the 2026-12-02 ingest changes), 30 s beside the rest of the suite on a
  // 2-core machine: its own waits allow up to 15 s each.
  it("imports the shared round, runs it, and the screen follows: reorder, pause, close, export, reset", {
    timeout: 90_000,
  }, async () => {
    const roundId = uniqueRoundId("console");
    const consoleTab = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    const screenTab = await newPage(browser, { baseURL, locale: "zh-CN", viewport: SCREEN });
    const page = consoleTab.page;
    const screen = screenTab.page;
    try {
      await signIn(page);

      // Import the shared data file: a preview of all 64 options before anything is sent.
      await page.getByRole("button", { name: "New round" }).click();
      await page.locator('input[type="file"]').setInputFiles(DEMO_FILE);
      await page.getByText("qingdao-customs-2021.json: 64 options loaded").waitFor();
      expect(await page.getByLabel("Title", { exact: true }).inputValue()).toBe(demo.title);
      expect(await page.getByLabel("Title of option 64").inputValue()).toBe(demo.options[63]?.title);
      await page.getByLabel("Round ID").fill(roundId);
      await screenshot(page, "console-import-preview");
      await page.getByRole("button", { name: "Create round" }).click();

      const detail = page.locator(`[data-round-detail="${roundId}"]`);
      await detail.getByRole("heading", { name: demo.title }).waitFor();
      const created = await app.api.round(roundId);
      expect(created.options).toHaveLength(64);
      expect(created.status).toBe("draft");

      // Without ballots everything is editable, options included.
      await detail.getByRole("tab", { name: "Edit" }).click();
      expect(await detail.getByLabel("Title of option 1", { exact: true }).isDisabled()).toBe(false);
      await detail.getByLabel("Description", { exact: true }).fill("Pick up to 15 cases.");
      await detail.getByRole("button", { name: "Save changes" }).click();
      await detail.getByText("Changes saved.").waitFor();
      expect((await app.api.round(roundId)).description).toBe("Pick up to 15 cases.");

      // The projector link comes from the console's Share tab.
      await detail.getByRole("tab", { name: "Share" }).click();
      const screenUrl = await detail.getByTestId("screen-url").inputValue();
      expect(screenUrl).toMatch(new RegExp(`/r/${roundId}/screen\\?key=.+`));
      await screen.goto(screenUrl);
      await screen.locator('.screen[data-status="draft"]').waitFor();
      expect(await screen.locator(".screen-list .screen-row").count()).toBe(10);
      await screen.locator(".screen-qr img").waitFor();

      // Open it from the console.
      await detail.getByRole("button", { name: "Open voting" }).click();
      await detail.locator(".badge", { hasText: "Open" }).waitFor();
      await screen.locator('.screen[data-status="open"]').waitFor();

      // Ballots through the API; the screen reorders within a second each time.
      await castBallots(roundId, [["64"], ["64", "1"], ["64"]]);
      await expectScreenToStartWith(screen, ["64", "1"]);
      await castBallots(roundId, [
        ["10", "20"],
        ["10", "20"],
        ["10", "20"],
        ["20", "10", "64"],
      ]);
      await expectScreenToStartWith(screen, ["10", "20", "64"]);

      // A livelier board for the screenshot: 60 more voters with a spread of picks.
      await castBallots(
        roundId,
        Array.from({ length: 60 }, (_, i) => [
          ...new Set([(i * 7) % 64, (i * 3) % 12, i % 5, (i * i) % 9].map((n) => String(n + 1))),
        ]),
      );
      const board = await adminBoard(roundId);
      expect(board.totalBallots).toBe(67);
      await expectScreenToStartWith(
        screen,
        board.entries.slice(0, 10).map((entry) => entry.optionId),
      );
      await screen.waitForFunction(
        () => document.querySelector(".screen-figures [data-value]")?.getAttribute("data-value") === "67",
      );
      await waitForCountsSettled(screen);
      await screenshot(screen, "screen-with-votes");

      // The rows past the top ten rotate in the compact list.
      expect(await screen.locator(".screen-rest h2").textContent()).toMatch(/共 64 项/);

      // With ballots in, options and pick counts are locked and the console says why; the title is not.
      await detail.getByRole("tab", { name: "Edit" }).click();
      await detail.getByTestId("edit-locked").waitFor();
      expect(await detail.getByTestId("edit-locked").textContent()).toMatch(/67 ballots/);
      expect(await detail.getByLabel("Title of option 1", { exact: true }).isDisabled()).toBe(true);
      expect(await detail.getByLabel("Title", { exact: true }).isDisabled()).toBe(false);

      // The live panel counts the ballots, sees the screen, and lists refused ballots by reason.
      const twice = await app.api.newVoter();
      await app.api.vote(roundId, twice, ["5"]);
      expectStatus(await app.api.castBallot(roundId, twice, ["6"]), 409);
      await detail.getByRole("tab", { name: "Live" }).click();
      await detail.getByTestId("live-total").filter({ hasText: "68" }).waitFor();
      await detail.getByTestId("connected-screen").filter({ hasText: "1" }).waitFor({ timeout: 15_000 });
      await detail.getByRole("row", { name: /Already voted ALREADY_VOTED 1/ }).waitFor({ timeout: 15_000 });
      await screenshot(page, "console-live");

      // Pause, then close: the screen follows and shows final results without the QR code.
      await detail.getByRole("button", { name: "Pause" }).click();
      await screen.locator('.screen[data-status="paused"]').waitFor();
      await detail.getByRole("button", { name: "Close voting" }).click();
      // It ends the vote for everyone, so it is asked once more.
      await detail.getByRole("button", { name: "Close voting for everyone" }).click();
      await screen.locator('.screen[data-status="closed"]').waitFor();
      await screen.getByText("最终结果").waitFor();
      expect(await screen.locator(".screen-qr").count()).toBe(0);
      await screenshot(screen, "screen-final-results");

      // Export the results as CSV and check every row against the leaderboard.
      await detail.getByRole("tab", { name: "Results & exports" }).click();
      await detail.getByTestId("results-table").waitFor();
      const csv = await download(page, detail.getByRole("button", { name: "Export results (CSV)" }));
      expect(csv.name).toBe(`${roundId}-epoch-1-results.csv`);
      const finalBoard = await adminBoard(roundId);
      expectCsvMatches(csv.text, finalBoard);
      expect(csv.text.split("\r\n").filter(Boolean)).toHaveLength(65);

      // Reset with a typed confirmation; the screen shows the reset and goes back to zero.
      const beforeReset = await screenOrder(screen);
      expect(beforeReset).toHaveLength(10);
      await detail.getByRole("button", { name: "Reset…" }).click();
      await detail.getByText("Reset archives epoch 1 with its 68 ballots").waitFor();
      const confirm = detail.getByRole("button", { name: "Archive epoch 1 and reset" });
      expect(await confirm.isDisabled()).toBe(true);
      await detail.getByLabel(`Type the round ID “${roundId}” to confirm`).fill(roundId);
      await confirm.click();
      await screen.locator('.screen[data-epoch="2"][data-status="draft"]').waitFor();
      await screen.locator(".screen-reset-banner").waitFor();
      await screen.waitForFunction(() =>
        [...document.querySelectorAll<HTMLElement>(".screen-list .screen-row")].every(
          (row) => row.dataset.votes === "0",
        ),
      );
      await expectScreenToStartWith(screen, ["1", "2", "3"]);
      await waitForCountsSettled(screen);
      await screenshot(screen, "screen-after-reset");

      // The archived epoch stays browsable and exportable (results and audit log).
      await detail.getByRole("tab", { name: "Results & exports" }).click();
      await detail.getByLabel("Epoch", { exact: true }).selectOption("1");
      await detail.locator('[data-testid="results-table"][data-epoch="1"]').waitFor();
      const archived = await download(page, detail.getByRole("button", { name: "Export results (CSV)" }));
      expect(archived.name).toBe(`${roundId}-epoch-1-results.csv`);
      expectCsvMatches(archived.text, await adminBoard(roundId, 1));
      const audit = await download(page, detail.getByRole("button", { name: "Export audit log (NDJSON)" }));
      expect(audit.name).toBe(`${roundId}-epoch-1-audit.ndjson`);
      const lines = audit.text.split("\n").filter(Boolean);
      expect(lines).toHaveLength(68);
      expect(Object.keys(JSON.parse(lines[0] as string))).toEqual([
        "kind",
        "ballotId",
        "voter",
        "choices",
        "receivedAt",
        "ip",
        "network",
        "cred",
        "hash",
        "link",
      ]);
    } finally {
      await consoleTab.context.close();
      await screenTab.context.close();
    }
  });

  it("archives a draft, then deletes it with the round ID typed", async () => {
    const draft = await app.api.createRound({ ...smallRound(3), title: "Rehearsal round" }, "tidy");
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    try {
      await signIn(page);
      await page.locator(`[data-round="${draft.id}"] button`).click();
      const detail = page.locator(`[data-round-detail="${draft.id}"]`);
      await detail.getByRole("heading", { name: "Rehearsal round" }).waitFor();

      await detail.getByRole("button", { name: "Archive", exact: true }).click();
      await detail.getByText("This round is archived").waitFor();
      // Read-only now, and listed apart from the current rounds.
      expect(await detail.getByRole("button", { name: "Open voting" }).isDisabled()).toBe(true);
      await page.locator(`[data-archived-rounds] [data-round="${draft.id}"]`).waitFor({ state: "attached" });
      expect((await app.api.round(draft.id)).archived).toBe(true);
      await screenshot(page, "console-archived-round", { fullPage: true });

      await detail.getByRole("button", { name: "Delete…" }).click();
      await detail.getByText("Delete removes the round for good").waitFor();
      const confirm = detail.getByRole("button", { name: "Delete for good" });
      expect(await confirm.isDisabled()).toBe(true);
      await detail.getByLabel(`Type the round ID “${draft.id}” to confirm`).fill(draft.id);
      await confirm.click();
      await detail.waitFor({ state: "detached" });
      await page.locator(`[data-round="${draft.id}"]`).waitFor({ state: "detached" });
      expect((await app.api.admin("GET", `/api/rounds/${draft.id}`)).status).toBe(404);
    } finally {
      await context.close();
    }
  });

  it("refuses a bad CSV with the line of each problem", async () => {
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    try {
      await signIn(page);
      await page.getByRole("button", { name: "New round" }).click();
      const csv = "number,title,description\n1,Port,\n1,Rail,\n3,,\n";
      await page
        .locator('input[type="file"]')
        .setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      const issues = page.getByTestId("import-issues");
      await issues.waitFor();
      expect(await issues.locator("li").allTextContents()).toEqual([
        "Line 3: Number 1 is used twice (first on line 2).",
        "Line 4: The title is empty.",
      ]);
    } finally {
      await context.close();
    }
  });

  it("shows a lost connection and resyncs by itself after reconnecting", async () => {
    const round = await app.api.createOpenRound(smallRound(4), "reconnect");
    const key = await app.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${round.id}/screen-key`);
    const { context, page } = await newPage(browser, { baseURL, locale: "zh-CN", viewport: SCREEN });
    try {
      await page.goto(`/r/${round.id}/screen?key=${encodeURIComponent(key.body.screenKey)}`);
      await page.locator('.screen[data-status="open"] .screen-connection-connected').waitFor();

      // Cut the screen off: the server drops its socket and the browser cannot reach Socket.IO until unrouted.
      await page.route("**/socket.io/**", (route) => route.abort());
      for (const backend of app.backends) backend.server.io.disconnectSockets(true);
      await page.locator(".screen-connection-disconnected").waitFor();

      // Ballots counted while the screen was away arrive in no update it will ever see...
      await castBallots(round.id, [["3"], ["3", "4"]]);
      // ...so once it can connect again, it must ask for a fresh snapshot by itself.
      await page.unroute("**/socket.io/**");
      await page.locator(".screen-connection-connected").waitFor({ timeout: 10_000 });
      await expectScreenToStartWith(page, ["3", "4"], 2_000);
      expect(await page.locator('.screen-row[data-option="3"]').getAttribute("data-votes")).toBe("2");
    } finally {
      await context.close();
    }
  });

  it("keeps results off a screen without its key, and follows the screen's own visibility", async () => {
    // Voters see everything live; the screen only once voting has closed.
    const round = await app.api.createOpenRound(
      { ...smallRound(4), rules: { minChoices: 1, maxChoices: 2, screenVisibility: "afterClose" } },
      "screen",
    );
    const key = await app.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${round.id}/screen-key`);
    expectStatus(key, 200);
    await castBallots(round.id, [["2"], ["2", "3"]]);
    const { context, page } = await newPage(browser, { baseURL, locale: "zh-CN", viewport: SCREEN });
    try {
      await page.goto(`/r/${round.id}/screen`);
      await page.getByRole("heading", { name: "大屏密钥缺失或错误" }).waitFor();
      await page.goto(`/r/${round.id}/screen?key=not-the-key`);
      await page.getByRole("heading", { name: "大屏密钥缺失或错误" }).waitFor();

      await page.goto(`/r/${round.id}/screen?key=${encodeURIComponent(key.body.screenKey)}`);
      await page.locator('.screen[data-status="open"][data-results-hidden="true"]').waitFor();
      await page.getByText("投票结束后公布结果").waitFor();
      expect(await page.locator(".screen-row").count()).toBe(0);

      await app.api.transition(round.id, "close");
      await page.locator('.screen[data-status="closed"][data-results-hidden="false"]').waitFor();
      await expectScreenToStartWith(page, ["2", "3"], 5_000);
    } finally {
      await context.close();
    }
  });
});
