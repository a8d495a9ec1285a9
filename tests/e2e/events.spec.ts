import type { EventImported, EventScreenKeyResponse } from "@lb/common";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPage, screenshot } from "../support/browser.js";
import { expectStatus } from "../support/http.js";
import { smallRound, uniqueRoundId } from "../support/rounds.js";
import { startVoteSuite } from "./vote-support.js";

/**
 * An event of three rounds: one phone (390x844) on the event's link and one projector on the event's screen
 * link follow the organiser from round to round, with the between-rounds card while the next round is a draft.
 */

let suite: Awaited<ReturnType<typeof startVoteSuite>>;
beforeAll(async () => {
  suite = await startVoteSuite();
});
afterAll(async () => {
  await suite?.close();
});

const TITLES = ["初赛", "复赛", "决赛"] as const;

/** The phone is in the vote page of `title`'s round (its heading), or on the between-rounds card. */
const phoneShowsRound = (phone: Page, roundId: string, title: string) =>
  Promise.all([
    phone.locator(`.event-page[data-current="${roundId}"]`).waitFor(),
    phone.locator(".vote h1", { hasText: title }).waitFor(),
  ]);

describe("an event of three rounds", () => {
  it("moves a phone and a screen through every round, with the between-rounds card", { timeout: 120_000 }, async () => {
    const { app, browser } = suite;
    const imported = await app.api.admin<EventImported>("POST", "/api/events/import", {
      id: uniqueRoundId("show"),
      title: "年度评选",
      rounds: TITLES.map((title) => ({
        ...smallRound(4, { minChoices: 1, maxChoices: 1 }, title),
        id: uniqueRoundId("show"),
      })),
    });
    expectStatus(imported, 201);
    const { event, rounds } = imported.body;
    const key = await app.api.admin<EventScreenKeyResponse>("GET", `/api/events/${event.id}/screen-key`);
    const base = app.urls[0] as string;

    const { page: phone } = await newPage(browser, { baseURL: base, locale: "zh-CN" });
    const { page: screen } = await newPage(browser, {
      baseURL: base,
      locale: "zh-CN",
      viewport: { width: 1920, height: 1080 },
    });
    const securityViolations: string[] = [];
    for (const page of [phone, screen]) {
      await page.exposeFunction("reportViolation", (what: string) => securityViolations.push(what));
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) =>
          (window as unknown as { reportViolation: (what: string) => void }).reportViolation(e.violatedDirective),
        );
      });
    }
    try {
      await phone.goto(`/e/${event.id}`);
      await screen.goto(`/e/${event.id}/screen?key=${encodeURIComponent(key.body.screenKey)}`);
      // Before the first round: the event starts soon; the screen already names the first round.
      await phone.getByTestId("between-rounds").getByText("活动即将开始").waitFor();
      await screen.getByTestId("between-rounds").getByText("初赛").waitFor();

      for (const [index, roundId] of rounds.entries()) {
        const title = TITLES[index] as string;
        const res = await app.api.admin("POST", `/api/events/${event.id}/next`);
        expectStatus(res, 200);
        // The round is still a draft: both show the card; only the screen may name the draft.
        const card = screen.getByTestId("between-rounds");
        await card.getByText("下一轮即将开始").waitFor();
        await card.getByText(title, { exact: true }).waitFor();
        await card.getByText(`第 ${index + 1} 轮，共 3 轮`).waitFor();
        const phoneCard = phone.getByTestId("between-rounds");
        await phoneCard.getByText("下一轮即将开始").waitFor();
        await phoneCard.getByText(`第 ${index + 1} 轮，共 3 轮`).waitFor();
        expect(await phoneCard.getByText(title, { exact: true }).count()).toBe(0);
        if (index === 1) {
          await screenshot(screen, "event-screen-between-rounds");
          await screenshot(phone, "event-phone-between-rounds");
        }

        // Opened: the phone shows the round's vote page, the screen its live board, without a reload.
        await app.api.transition(roundId, "open");
        await phoneShowsRound(phone, roundId, title);
        await screen.locator('.screen[data-status="open"] .screen-round-title', { hasText: title }).waitFor();

        // The phone votes; the screen counts it.
        await phone.locator(".option-pick input").first().check();
        await phone.getByRole("button", { name: "提交", exact: true }).click();
        await phone.getByRole("dialog").getByRole("button", { name: "确认提交" }).click();
        await phone.getByRole("heading", { name: "您的投票已记录" }).waitFor();
        await screen.locator('.screen [data-votes="1"]').first().waitFor();
        // The voters' figure counts up to the ballot before the screenshot.
        await screen.waitForFunction(() => document.querySelector(".screen-figure")?.textContent?.trim() === "1");
        await screenshot(phone, `event-phone-round-${index + 1}`);
        await screenshot(screen, `event-screen-round-${index + 1}`);
        // The screen's QR code sends phones to the event, not to one round.
        expect(await screen.locator(".screen-url").textContent()).toMatch(new RegExp(`/e/${event.id}$`));
        await app.api.transition(roundId, "close");
        await screen.locator('.screen[data-status="closed"]').waitFor();
      }
      expect((await app.api.leaderboard(rounds[2] as string)).totalBallots).toBe(1);
      expect(securityViolations).toEqual([]);
    } finally {
      await phone.context().close();
      await screen.context().close();
    }
  });

  it("serves an event's pages, and answers an unknown event's with 404 and says so", async () => {
    const { app, browser } = suite;
    const round = await app.api.createRound(smallRound(2));
    const made = await app.api.admin<{ id: string }>("POST", "/api/events", { title: "Pages", rounds: [round.id] });
    for (const path of [`/e/${made.body.id}`, `/e/${made.body.id}/screen`]) {
      const page = await app.api.request("GET", path, { headers: { accept: "text/html" } });
      expect(page.status, path).toBe(200);
      expect(page.text).toContain('<div id="root">');
    }
    for (const path of ["/e/no-such-event", "/e/no-such-event/screen", "/e/NOT_A_SLUG"]) {
      expect((await app.api.request("GET", path, { headers: { accept: "text/html" } })).status, path).toBe(404);
    }
    const { page } = await newPage(browser, { baseURL: app.urls[0] as string, locale: "en" });
    try {
      await page.goto("/e/no-such-event");
      await page.getByRole("heading", { name: "Unknown event" }).waitFor();
    } finally {
      await page.context().close();
    }
  });

  it("the console imports an event file, refuses a file with a bad round, moves on and shares the links", async () => {
    const { app, browser } = suite;
    const eventId = uniqueRoundId("cons");
    const roundIds = TITLES.map(() => uniqueRoundId("cons"));
    const file = (rounds: unknown[], id: string) => ({
      name: `${id}.json`,
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify({ id, title: "Awards night", rounds })),
    });
    const good = TITLES.map((title, index) => ({ ...smallRound(3, undefined, title), id: roundIds[index] }));
    const { page } = await newPage(browser, {
      baseURL: app.urls[0] as string,
      locale: "en",
      viewport: { width: 1366, height: 900 },
    });
    try {
      await page.goto("/admin");
      await page.getByLabel("Admin token").fill(app.adminToken);
      await page.getByRole("button", { name: "Sign in" }).click();
      const section = page.locator("[data-events-section]");
      await section.getByRole("button", { name: "Import event file" }).click();
      const picker = section.getByLabel("Event file (JSON)");

      // One round whose rules contradict themselves: the console says which, and nothing is made.
      const badId = uniqueRoundId("cons");
      const bad = [good[0], { ...smallRound(3), rules: { minChoices: 3, maxChoices: 1 } }];
      await picker.setInputFiles(file(bad, badId));
      await section
        .getByRole("alert")
        .getByText(/was not imported: rounds\.1\.rules/)
        .waitFor();
      expect((await app.api.admin("GET", `/api/events/${badId}`)).status).toBe(404);
      expect((await app.api.admin("GET", `/api/rounds/${roundIds[0]}`)).status).toBe(404);

      await picker.setInputFiles(file(good, eventId));
      await section.getByText("Imported “Awards night” with 3 rounds").waitFor();
      const detail = section.locator(`[data-event-detail="${eventId}"]`);
      await detail.getByRole("button", { name: "Next round" }).click();
      await detail.locator(`li[data-event-round="${roundIds[0]}"][data-current]`).waitFor();
      expect((await app.api.admin<{ current: string }>("GET", `/api/events/${eventId}`)).body.current).toBe(
        roundIds[0],
      );

      // Move the final up one place: the order follows.
      await detail.locator(`li[data-event-round="${roundIds[2]}"]`).getByRole("button", { name: "Move up" }).click();
      await detail
        .locator("li")
        .nth(1)
        .and(detail.locator(`[data-event-round="${roundIds[2]}"]`))
        .waitFor();

      expect(await detail.getByTestId("event-phone-url").inputValue()).toBe(`${app.urls[0]}/e/${eventId}`);
      const key = await app.api.admin<EventScreenKeyResponse>("GET", `/api/events/${eventId}/screen-key`);
      expect(await detail.getByTestId("event-screen-url").inputValue()).toBe(
        `${app.urls[0]}/e/${eventId}/screen?key=${encodeURIComponent(key.body.screenKey)}`,
      );
      await detail.scrollIntoViewIfNeeded();
      await screenshot(page, "event-console");

      // An event from existing rounds, ticked in the order they run.
      await section.getByRole("button", { name: "New event" }).click();
      await section.getByLabel("Event title").fill("Encore");
      await section.getByRole("checkbox", { name: new RegExp(roundIds[1] as string) }).check();
      await section.getByRole("checkbox", { name: new RegExp(roundIds[0] as string) }).check();
      await section.getByRole("button", { name: "Create event" }).click();
      await section.getByRole("heading", { name: "Event: Encore" }).waitFor();
      const events = await app.api.admin<{ events: { title: string; rounds: { id: string }[] }[] }>(
        "GET",
        "/api/events",
      );
      const encore = events.body.events.find((event) => event.title === "Encore");
      expect(encore?.rounds.map((round) => round.id)).toEqual([roundIds[1], roundIds[0]]);
    } finally {
      await page.context().close();
    }
  });
});
