import { readFileSync } from "node:fs";
import type { TicketBatchCreated, TicketBatchList } from "@lb/common";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backends } from "../support/backend.js";
import { newPage, screenshot } from "../support/browser.js";
import { expectStatus } from "../support/http.js";
import { smallRound } from "../support/rounds.js";
import { startVoteSuite } from "./vote-support.js";

/**
 * Tickets rounds in headless Chromium against a real backend and Redis: a phone opens a ticket's QR link and
 * votes; the same ticket on another phone says clearly that it has been used; a typed code is checked; the
 * console makes a batch, shows the printable A4 sheet (and what prints), saves the CSV and shows turnout.
 */

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

async function ticketsRound(title = "Ticket vote") {
  const round = smallRound(4, { minChoices: 1, maxChoices: 2 }, title);
  return app.api.createOpenRound({ ...round, rules: { ...round.rules, electorate: "tickets" } }, "e2e-tickets");
}

async function makeTickets(roundId: string, batch: string, count: number): Promise<TicketBatchCreated> {
  const res = await app.api.admin<TicketBatchCreated>("POST", `/api/rounds/${roundId}/tickets`, { batch, count });
  expectStatus(res, 201);
  return res.body;
}

async function turnout(roundId: string): Promise<TicketBatchList> {
  const res = await app.api.admin<TicketBatchList>("GET", `/api/rounds/${roundId}/tickets`);
  expectStatus(res, 200);
  return res.body;
}

describe("tickets on the vote page", { timeout: 60_000 }, () => {
  it("a phone opens a ticket's link and votes; the same ticket on another phone is shown as used", async () => {
    const round = await ticketsRound();
    const { tickets } = await makeTickets(round.id, "Table 1", 2);
    const ticket = tickets[0] as { code: string; url: string };

    const first = await newPage(browser, { baseURL, locale: "zh-CN" });
    try {
      const { page } = first;
      await page.goto(new URL(ticket.url).pathname + new URL(ticket.url).search);
      await page.getByText(`正在使用票券 ${ticket.code}`).waitFor();
      // The code leaves the address bar, so a screenshot or a shared link does not pass the ballot on.
      expect(page.url()).toBe(`${baseURL}/r/${round.id}`);
      await page.getByRole("checkbox").first().check();
      await page.getByRole("button", { name: "提交", exact: true }).click();
      await page.getByRole("button", { name: "确认提交" }).click();
      await page.getByRole("heading", { name: "您的投票已记录" }).waitFor();
      await screenshot(page, "tickets-vote-zh-counted");
      // No voter token was needed or made.
      expect(await page.evaluate(() => localStorage.getItem("lb.voterToken"))).toBeNull();
    } finally {
      await first.context.close();
    }
    expect((await app.api.leaderboard(round.id)).totalBallots).toBe(1);
    expect((await turnout(round.id)).batches).toEqual([{ batch: "Table 1", issued: 2, used: 1 }]);

    const second = await newPage(browser, { baseURL, locale: "zh-CN" });
    try {
      const { page } = second;
      await page.goto(`/r/${round.id}?ticket=${ticket.code}`);
      await page.getByRole("heading", { name: "这张票券已经投过票了" }).waitFor();
      await page.getByText("每张票券只能投一次票。如果不是您投的，请把票券出示给组织者。").waitFor();
      // Nothing to send from here: the ballot is read-only.
      expect(await page.getByRole("button", { name: "提交", exact: true }).count()).toBe(0);
      await screenshot(page, "tickets-vote-zh-used");
    } finally {
      await second.context.close();
    }
    expect((await app.api.leaderboard(round.id)).totalBallots).toBe(1);
  });

  it("without a ticket the page asks for the code: a wrong one is refused, a typed one in lower case works", async () => {
    const round = await ticketsRound();
    const { tickets } = await makeTickets(round.id, "Door", 1);
    const code = (tickets[0] as { code: string }).code;
    const { context, page } = await newPage(browser, { baseURL, locale: "en-US" });
    try {
      await page.goto(`/r/${round.id}`);
      await page.getByRole("heading", { name: "Your ticket" }).waitFor();
      await page.getByRole("checkbox").first().check();
      await page.getByText("Enter your ticket code above first.").waitFor();
      expect(await page.getByRole("button", { name: "Submit", exact: true }).isDisabled()).toBe(true);

      const field = page.getByLabel("Ticket code");
      await field.fill("abc");
      await page.getByRole("button", { name: "Use this ticket" }).click();
      await page.getByText("That is not a ticket code: it has 12 letters and digits, like ABCD-EFGH-JKMN.").waitFor();
      await field.fill("2222-3333-4444");
      await page.getByRole("button", { name: "Use this ticket" }).click();
      await page.getByText("“2222-3333-4444” is not a ticket of this vote.", { exact: false }).waitFor();
      await screenshot(page, "tickets-vote-en-refused");

      await page.getByLabel("Ticket code").fill(code.toLowerCase().replaceAll("-", " "));
      await page.getByRole("button", { name: "Use this ticket" }).click();
      await page.getByText(`Voting with ticket ${code}`).waitFor();
      await page.getByRole("checkbox").first().check();
      await page.getByRole("button", { name: "Submit", exact: true }).click();
      await page.getByRole("button", { name: "Confirm and submit" }).click();
      await page.getByRole("heading", { name: "Your vote is recorded" }).waitFor();
    } finally {
      await context.close();
    }
    expect((await turnout(round.id)).used).toBe(1);
  });
});

describe("tickets in the console", { timeout: 60_000 }, () => {
  it("makes a batch, shows the printable A4 sheet, prints only the sheet, saves the CSV and shows turnout", async () => {
    const round = await ticketsRound("Award night 2026");
    const { context, page } = await newPage(browser, {
      baseURL,
      locale: "en-US",
      viewport: { width: 1366, height: 900 },
    });
    try {
      await page.goto("/admin");
      await page.getByLabel("Admin token").fill(app.adminToken);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator(`tr[data-round="${round.id}"]`).getByRole("button").click();
      const detail = page.locator(`[data-round-detail="${round.id}"]`);
      await detail.getByRole("tab", { name: "Tickets" }).click();
      await detail.getByText("No tickets yet.").waitFor();

      await detail.getByLabel("Batch").fill("Table 7");
      await detail.getByLabel("Number of tickets").fill("10");
      await detail.getByRole("button", { name: "Make tickets" }).click();
      await detail.getByRole("heading", { name: "10 tickets made in batch “Table 7”" }).waitFor();
      await detail.getByText("The codes are shown only now", { exact: false }).waitFor();
      // The preview: the first A4 page, 8 tickets with their QR codes, codes and the round's title.
      const preview = detail.getByTestId("ticket-sheet");
      await preview.locator(".ticket-card img").nth(7).waitFor();
      expect(await preview.locator(".ticket-card").count()).toBe(8);
      expect(await preview.locator(".ticket-card-title").first().textContent()).toBe("Award night 2026");
      const codes = await page.locator(".ticket-print .ticket-card-code").allTextContents();
      expect(codes).toHaveLength(10);
      for (const code of codes) expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
      await detail.getByTestId("ticket-turnout").getByRole("row", { name: "Table 7 10 0 0%" }).waitFor();
      await detail.getByText("Not voted yet: Table 7").waitFor();
      await preview.scrollIntoViewIfNeeded();
      await screenshot(page, "tickets-console-sheet");

      // The CSV is made in the browser from the one answer that held the codes.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        detail.getByRole("button", { name: "Download CSV (codes and links)" }).click(),
      ]);
      const csv = readFileSync((await download.path()) as string, "utf8");
      const lines = csv
        .replace(/^\uFEFF/, "")
        .trimEnd()
        .split("\r\n");
      expect(lines[0]).toBe("batch,code,url");
      expect(lines.slice(1).map((line) => line.split(",")[1])).toEqual(codes);
      expect(lines[1]).toBe(`Table 7,${codes[0]},${baseURL}/r/${round.id}?ticket=${codes[0]}`);

      // What the printer gets: only the sheet, two A4 pages of 8 (the app itself is hidden).
      await page.emulateMedia({ media: "print" });
      expect(await page.locator(".ticket-print .ticket-page").count()).toBe(2);
      expect(await page.locator("#root").isVisible()).toBe(false);
      expect(await page.locator(".ticket-print .ticket-card").nth(9).isVisible()).toBe(true);
      await screenshot(page, "tickets-console-print", { fullPage: true });
      // Chromium's own print to PDF: A4 from the page's CSS, one page per sheet and nothing else.
      const pdf = (await page.pdf({ preferCSSPageSize: true, printBackground: true })).toString("latin1");
      expect(pdf.match(/\/Type\s*\/Page(?!s)/g)).toHaveLength(2);
      const [, width = "0", height = "0"] = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf) ?? [];
      // A4 is 595 x 842 points.
      expect([Math.round(Number(width)), Math.round(Number(height))]).toEqual([595, 842]);
      await page.emulateMedia({ media: "screen" });

      // A ticket votes; the turnout table follows (it refreshes every 5 s).
      expectStatus(
        await app.api.request("POST", `/api/rounds/${round.id}/ballots`, {
          json: { choices: ["1"], ticket: codes[0] },
        }),
        201,
      );
      await detail
        .getByTestId("ticket-turnout")
        .getByRole("row", { name: "Table 7 10 1 10%" })
        .waitFor({ timeout: 15_000 });
      await detail.getByText("Every batch has voted.").waitFor();
    } finally {
      await context.close();
    }
  });
});
