import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../support/backend.js";
import { newPage, screenshot } from "../support/browser.js";
import { smallRound } from "../support/rounds.js";
import { startVoteSuite } from "./vote-support.js";

/**
 * The console's URLs (a round and its tab: reload, deep links, back/forward), the confirmation before closing
 * voting, the live tiles, and form errors placed at their fields with focus on the first.
 */

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

/** Signs in on whatever console URL the page is at; it stays there. */
async function signInHere(page: Page): Promise<void> {
  await page.getByLabel("Admin token").fill(app.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const selectedTab = (page: Page) => page.locator('[role="tab"][aria-selected="true"]').getAttribute("data-tab");

describe("console URLs", () => {
  it("serves the page for a round's tabs and keeps the static 404s", async () => {
    for (const path of ["/admin/r/some-round", "/admin/r/some-round/live", "/admin/r/some-round/remote"]) {
      const res = await app.api.get(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).toMatch(/<div id="root">/);
    }
    for (const path of ["/admin/r/some-round/live/x", "/admin/r/Bad%20Id/live", "/admin/r/a/LIVE", "/admin/x"]) {
      expect((await app.api.get(path)).status, path).toBe(404);
    }
  });

  it("opens a deep link after sign-in, keeps round and tab on reload, and follows back/forward", async () => {
    const round = await app.api.createOpenRound(smallRound(3), "urls");
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    try {
      await page.goto(`/admin/r/${round.id}/results`);
      await signInHere(page);
      const detail = page.locator(`[data-round-detail="${round.id}"]`);
      await detail.getByRole("heading", { name: round.title }).waitFor();
      expect(await selectedTab(page)).toBe("results");
      expect(new URL(page.url()).pathname).toBe(`/admin/r/${round.id}/results`);

      await detail.getByRole("tab", { name: "Share" }).click();
      await page.waitForURL(`**/admin/r/${round.id}/share`);
      await detail.getByRole("tab", { name: "Live" }).click();
      await page.waitForURL(`**/admin/r/${round.id}/live`);

      await page.reload();
      await detail.getByTestId("live-total").waitFor();
      expect(await selectedTab(page)).toBe("live");

      await page.goBack();
      await page.waitForURL(`**/admin/r/${round.id}/share`);
      await detail.getByTestId("screen-url").waitFor();
      expect(await selectedTab(page)).toBe("share");
      await page.goBack();
      await page.waitForURL(`**/admin/r/${round.id}/results`);
      expect(await selectedTab(page)).toBe("results");
      await page.goForward();
      await page.waitForURL(`**/admin/r/${round.id}/share`);
      expect(await selectedTab(page)).toBe("share");

      // Choosing a round in the list moves to its URL too.
      const other = await app.api.createRound(smallRound(2), "urls-other");
      await page.getByRole("button", { name: "Refresh", exact: true }).click();
      await page.locator(`[data-round="${other.id}"] button`).click();
      await page.waitForURL(`**/admin/r/${other.id}/live`);
      await page.locator(`[data-round-detail="${other.id}"]`).waitFor();
      await page.goBack();
      await page.waitForURL(`**/admin/r/${round.id}/share`);
      await detail.waitFor();
    } finally {
      await context.close();
    }
  });

  it("asks before closing voting, and names the live tiles for what they count", async () => {
    const round = await app.api.createOpenRound(smallRound(3), "close");
    const voters = await app.api.newVoters(3);
    for (const voter of voters) await app.api.vote(round.id, voter, ["1"]);
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    try {
      await page.goto(`/admin/r/${round.id}/live`);
      await signInHere(page);
      const detail = page.locator(`[data-round-detail="${round.id}"]`);
      // Ballots and voters who voted come first; until the stats answer (asked at once) a tile shows "–", not 0.
      await detail.getByTestId("live-voters").filter({ hasText: "3" }).waitFor();
      const labels = await detail.locator(".console-figures dt").allTextContents();
      expect(labels.slice(0, 3)).toEqual(["Ballots", "Voters who voted", "Ballots in the last minute"]);
      expect(labels).toContain("Open vote pages");
      expect(await detail.getByTestId("live-total").textContent()).toBe("3");

      await detail.getByRole("button", { name: "Close voting" }).click();
      await detail.getByText("Close voting for everyone?").waitFor();
      expect((await app.api.round(round.id)).status).toBe("open");
      await screenshot(page, "console-close-confirm");
      await detail.getByRole("button", { name: "Cancel" }).click();
      expect(await detail.getByText("Close voting for everyone?").count()).toBe(0);
      expect((await app.api.round(round.id)).status).toBe("open");

      await detail.getByRole("button", { name: "Close voting" }).click();
      await detail.getByRole("button", { name: "Close voting for everyone" }).click();
      await detail.getByText("Status is now: Closed").waitFor();
      expect((await app.api.round(round.id)).status).toBe("closed");
    } finally {
      await context.close();
    }
  });

  it("puts each form error at its field and focuses the first; the import keeps the file's name", async () => {
    const taken = await app.api.createRound(smallRound(2), "taken");
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US", viewport: DESK });
    try {
      await page.goto("/admin");
      await signInHere(page);
      await page.getByRole("button", { name: "New round" }).click();

      const csv = "number,title,description\n1,Port,\n2,Rail,\n";
      const picker = page.locator('input[type="file"]');
      await picker.setInputFiles({ name: "cases.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await page.getByText("cases.csv: 2 options loaded").waitFor();
      expect(await picker.evaluate((input: HTMLInputElement) => input.files?.[0]?.name)).toBe("cases.csv");

      // A problem found in the browser: at its field, focused.
      await page.getByLabel("Title", { exact: true }).fill("");
      await page.getByRole("button", { name: "Create round" }).click();
      const titleError = page.locator('[data-field-error="title"]');
      await titleError.waitFor();
      expect(await titleError.textContent()).toMatch(/Title: is empty/);
      expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-invalid"))).toBe("true");
      expect(
        await page.getByLabel("Title", { exact: true }).evaluate((input) => input === document.activeElement),
      ).toBe(true);

      // A refusal from the server (the ID is taken): at the ID field, focused.
      await page.getByLabel("Title", { exact: true }).fill("Cases");
      await page.getByLabel("Round ID").fill(taken.id);
      await page.getByRole("button", { name: "Create round" }).click();
      const idError = page.locator('[data-field-error="id"]');
      await idError.waitFor();
      expect(await idError.textContent()).toBe("A round with this ID already exists.");
      expect(await page.getByLabel("Round ID").evaluate((input) => input === document.activeElement)).toBe(true);
      expect(await page.getByLabel("Round ID").getAttribute("aria-describedby")).toBe(await idError.getAttribute("id"));
      await screenshot(page, "console-form-error-at-field");
    } finally {
      await context.close();
    }
  });
});
