import type { RoundCreateInput, RoundView } from "@lb/common";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import type { Backends } from "../support/backend.js";
import { launchBrowser, newPage, startAppServer } from "../support/browser.js";

/** One backend serving the built frontend, one browser; each test opens its own context (a new voter). */
export async function startVoteSuite(): Promise<{ app: Backends; browser: Browser; close(): Promise<void> }> {
  const app = await startAppServer();
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    app,
    browser,
    async close() {
      await browser.close();
      await app.close();
    },
  };
}

/** A fresh voter (own cookies and storage) on the round's vote page, waiting until the options are there. */
export async function openVotePage(
  browser: Browser,
  app: Backends,
  roundId: string,
  locale = "zh-CN",
): Promise<{ page: Page; close(): Promise<void> }> {
  const { context, page } = await newPage(browser, { baseURL: app.urls[0] as string, locale });
  await page.goto(`/r/${roundId}`);
  await page.locator(".vote h1").waitFor();
  // The cards past the first few arrive in a background render; the list says when it is whole (a closed round
  // opens on its results tab, without the list).
  await page.waitForFunction(() => document.querySelector('.option-list[aria-busy="true"]') === null);
  return { page, close: () => context.close() };
}

/** Creates a round (unique id) with the given rules merged over the input's, and opens it unless told not to. */
export async function createRound(
  app: Backends,
  input: RoundCreateInput,
  options: { open?: boolean; rules?: Partial<RoundCreateInput["rules"]> } = {},
): Promise<RoundView> {
  const round = { ...input, rules: { ...input.rules, ...options.rules } };
  return options.open === false ? app.api.createRound(round, "e2e") : app.api.createOpenRound(round, "e2e");
}

/** The server's count, as the organiser sees it (no visibility rule hides it), and the recount from the audit log. */
export async function expectBallotsCounted(app: Backends, roundId: string, ballots: number): Promise<void> {
  const recount = await app.api.recount(roundId);
  expect(recount.ballots).toBe(ballots);
  expect(recount.liveBallots).toBe(ballots);
  expect(recount.matches).toBe(true);
}

/** Waits until the element's text is exactly `text` (live counts arrive over the socket). */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([sel, expected]) => document.querySelector(sel as string)?.textContent?.trim() === expected,
    [selector, text] as const,
  );
}
