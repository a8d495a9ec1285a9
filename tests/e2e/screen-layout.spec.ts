import type { RoundView, ScreenKeyResponse } from "@lb/common";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPage, screenshot } from "../support/browser.js";
import { demoRound, randomChoices, seededRandom, smallRound } from "../support/rounds.js";
import { createRound, startVoteSuite } from "./vote-support.js";

/**
 * The projector screen as a hall sees it, measured in the page at the projectors a venue has (16:9, 16:10, 4:3)
 * and for 5, 10 and 20 full rows: type in proportion to the screen, nothing cut or overflowing, a QR code a third
 * of the height, readable contrast, a header that stays still while counts grow, and ties kept together.
 */

const VIEWPORTS = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1200 },
  { width: 1024, height: 768 },
];
const TOPS = [5, 10, 20];

let suite: Awaited<ReturnType<typeof startVoteSuite>>;

beforeAll(async () => {
  suite = await startVoteSuite();
});
afterAll(() => suite?.close());

async function screenKey(roundId: string): Promise<string> {
  const res = await suite.app.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${roundId}/screen-key`);
  return res.body.screenKey;
}

/** `count` new voters, each casting one ballot of 1..15 picks drawn from the round's options with `seed`. */
async function castRandomBallots(round: RoundView, count: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const ids = round.options.map((option) => option.id);
  const voters = await suite.app.api.newVoters(count);
  await Promise.all(voters.map((voter) => suite.app.api.vote(round.id, voter, randomChoices(random, ids, 1, 15))));
}

/** Opens the screen and waits until it shows the board with its final counts and its QR code. */
async function openScreen(page: Page, roundId: string, key: string, query: string): Promise<void> {
  await page.goto(`/r/${roundId}/screen?key=${key}&${query}`);
  await page.locator(".screen-list .screen-row").first().waitFor();
  await page.locator(".screen-qr img").waitFor();
  await waitForCountsSettled(page);
  // Rows fade in and glide as they arrive: measure the page once they stand still.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"));
}

/** Waits until every count has finished ticking (each shows its final value). */
async function waitForCountsSettled(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLElement>(".screen [data-value]")].every(
      (element) => element.textContent?.replace(/\D/g, "") === element.dataset.value,
    ),
  );
}

interface Measures {
  height: number;
  titleFontMin: number;
  /** Titles cut short although one more line would have fitted their box. */
  cutTitles: string[];
  titleLines: number;
  qrHeight: number;
  overflowing: string[];
  roundTitleCut: boolean;
  captionLines: number;
  /** Words of the QR caption that wrap across lines. */
  captionWordsBroken: string[];
  urlPartsBroken: number;
  urlCut: boolean;
  textFontMin: number;
  textFontMinAt: string;
  contrastMin: number;
  lowContrast: string[];
}

/** Everything the layout promises, measured from the rendered page (runs in the browser). */
function measure(page: Page): Promise<Measures> {
  return page.evaluate(() => {
    const height = window.innerHeight;
    const width = window.innerWidth;
    const describe = (element: Element) =>
      `${element.tagName.toLowerCase()}.${[...element.classList].join(".")} "${element.textContent?.slice(0, 30)}"`;
    const measured = (element: Element) => element.closest(".screen-measure, .visually-hidden") === null;

    const titles = [...document.querySelectorAll<HTMLElement>(".screen-list .screen-title")];
    const cutTitles: string[] = [];
    let titleLines = 0;
    for (const title of titles) {
      const lineHeight = Number.parseFloat(getComputedStyle(title).lineHeight);
      const box = title.parentElement as HTMLElement;
      const lines = Math.round(title.clientHeight / lineHeight);
      titleLines = Math.max(titleLines, lines);
      // A clamped title hides at least one more line; a pixel or two is only the glyphs' overhang.
      const cut = title.scrollHeight > title.clientHeight + lineHeight / 2 || title.scrollWidth > title.clientWidth + 1;
      if (cut && (lines + 1) * lineHeight <= box.clientHeight + 0.5) {
        cutTitles.push(
          `${describe(title)} ${title.scrollHeight}/${title.clientHeight}x${title.scrollWidth}/${title.clientWidth} in ${box.clientHeight}`,
        );
      }
    }

    const overflowing: string[] = [];
    for (const element of document.querySelectorAll(".screen *")) {
      if (!measured(element)) continue;
      const rect = element.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      if (rect.left < -0.5 || rect.top < -0.5 || rect.right > width + 0.5 || rect.bottom > height + 0.5) {
        overflowing.push(describe(element));
      }
    }
    const scroller = document.scrollingElement as Element;
    if (scroller.scrollWidth > width || scroller.scrollHeight > height) overflowing.push("the page scrolls");

    const roundTitle = document.querySelector(".screen-round-title") as HTMLElement;
    const caption = document.querySelector(".screen-qr strong") as HTMLElement;
    const captionRange = document.createRange();
    captionRange.selectNodeContents(caption);
    const captionWordsBroken: string[] = [];
    const captionText = caption.firstChild as Text;
    for (const word of (captionText.textContent ?? "").matchAll(/\S+/g)) {
      const range = document.createRange();
      range.setStart(captionText, word.index);
      range.setEnd(captionText, word.index + word[0].length);
      if (range.getClientRects().length !== 1) captionWordsBroken.push(word[0]);
    }
    const url = document.querySelector(".screen-url") as HTMLElement;
    const urlParts = [...url.querySelectorAll(":scope > span")];

    // Every piece of text that people see: its size, and its contrast with the background behind it.
    const channels = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = (color: string) => {
      const [r = 0, g = 0, b = 0] = channels(color).map((value) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (element: Element | null): string => {
      for (let e = element; e; e = e.parentElement) {
        const color = getComputedStyle(e).backgroundColor;
        const alpha = channels(color)[3];
        if (color !== "transparent" && alpha !== 0) return color;
      }
      return "rgb(255, 255, 255)";
    };
    let textFontMin = Number.POSITIVE_INFINITY;
    let textFontMinAt = "";
    let contrastMin = Number.POSITIVE_INFINITY;
    const lowContrast: string[] = [];
    const walker = document.createTreeWalker(document.querySelector(".screen") as Node, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || !node.textContent?.trim() || !measured(parent)) continue;
      const style = getComputedStyle(parent);
      if (style.visibility === "hidden" || style.display === "none") continue;
      if (Number.parseFloat(style.fontSize) < textFontMin) textFontMinAt = describe(parent);
      textFontMin = Math.min(textFontMin, Number.parseFloat(style.fontSize));
      const a = luminance(style.color);
      const b = luminance(background(parent));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      contrastMin = Math.min(contrastMin, ratio);
      // WCAG AA: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) lowContrast.push(`${describe(parent)} ${ratio.toFixed(2)}`);
    }

    return {
      height,
      titleFontMin: Math.min(...titles.map((title) => Number.parseFloat(getComputedStyle(title).fontSize))),
      cutTitles,
      titleLines,
      qrHeight: (document.querySelector(".screen-qr-code") as HTMLElement).getBoundingClientRect().height,
      overflowing,
      roundTitleCut:
        roundTitle.scrollHeight > roundTitle.clientHeight + 1 || roundTitle.scrollWidth > roundTitle.clientWidth + 1,
      captionLines: captionRange.getClientRects().length,
      captionWordsBroken,
      urlPartsBroken: urlParts.filter((part) => part.getClientRects().length !== 1).length,
      urlCut: url.scrollHeight > url.clientHeight + 1 || url.scrollWidth > url.clientWidth + 1,
      textFontMin,
      textFontMinAt,
      contrastMin,
      lowContrast,
    };
  });
}

// Three page loads and measurements per viewport: more than the default 30 s on a busy machine.
describe("projector screen layout", { timeout: 90_000 }, () => {
  let busy: { round: RoundView; key: string } | undefined;
  /** One round with 120 ballots for every viewport. */
  async function busyRound(): Promise<{ round: RoundView; key: string }> {
    if (!busy) {
      const round = await createRound(suite.app, demoRound());
      await castRandomBallots(round, 120, 11);
      busy = { round, key: await screenKey(round.id) };
    }
    return busy;
  }

  it.each(VIEWPORTS)(
    "fits $width x $height with 5, 10 and 20 rows: big type, whole titles, a big QR code",
    async (viewport) => {
      const { round, key } = await busyRound();
      const { context, page } = await newPage(suite.browser, { baseURL: suite.app.urls[0] as string, viewport });
      try {
        const report: string[] = [];
        for (const top of TOPS) {
          await openScreen(page, round.id, key, `top=${top}`);
          const m = await measure(page);
          const where = `${viewport.width}x${viewport.height} top=${top}`;
          report.push(
            `${where}: titles ${m.titleFontMin.toFixed(1)}px (${((m.titleFontMin / m.height) * 100).toFixed(2)}%, ≤${m.titleLines} lines), QR ${Math.round(m.qrHeight)}px, smallest text ${m.textFontMin.toFixed(1)}px, contrast ≥ ${m.contrastMin.toFixed(1)}`,
          );
          await screenshot(page, `screen-layout-${viewport.width}x${viewport.height}-top${top}`);
          expect({ where, ...m }).toMatchObject({
            cutTitles: [],
            overflowing: [],
            roundTitleCut: false,
            captionLines: 1,
            captionWordsBroken: [],
            urlPartsBroken: 0,
            urlCut: false,
            lowContrast: [],
          });
          if (top <= 10) expect(m.titleFontMin, where).toBeGreaterThanOrEqual(0.03 * m.height);
          else expect(m.titleFontMin, where).toBeGreaterThanOrEqual(0.022 * m.height);
          expect(m.qrHeight, where).toBeGreaterThanOrEqual(m.height / 3);
          expect(m.textFontMin, `${where} ${m.textFontMinAt}`).toBeGreaterThanOrEqual(
            (top <= 10 ? 0.02 : 0.018) * m.height,
          );
        }
        console.log(`[screen-layout]\n${report.join("\n")}`);
      } finally {
        await context.close();
      }
    },
  );

  it("4:3 in English: the longer caption wraps between words, nothing is cut", async () => {
    const round = await createRound(suite.app, demoRound(), { open: false });
    const key = await screenKey(round.id);
    const { context, page } = await newPage(suite.browser, {
      baseURL: suite.app.urls[0] as string,
      locale: "en-US",
      viewport: { width: 1024, height: 768 },
    });
    try {
      await openScreen(page, round.id, key, "top=10");
      await page.locator('.screen[data-status="draft"]').waitFor();
      const m = await measure(page);
      expect(m).toMatchObject({ captionWordsBroken: [], cutTitles: [], overflowing: [], roundTitleCut: false });
      expect(await page.locator(".screen-qr strong").textContent()).toBe("Scan to read the options");
      await screenshot(page, "screen-layout-1024x768-draft-en");
    } finally {
      await context.close();
    }
  });

  it("reads in both themes: every text at WCAG AA contrast (4.5:1, large text 3:1)", async () => {
    const round = await createRound(suite.app, demoRound());
    await castRandomBallots(round, 30, 12);
    const key = await screenKey(round.id);
    const { context, page } = await newPage(suite.browser, {
      baseURL: suite.app.urls[0] as string,
      viewport: { width: 1280, height: 720 },
    });
    try {
      for (const theme of ["dark", "light"]) {
        await openScreen(page, round.id, key, `theme=${theme}`);
        const m = await measure(page);
        expect({ theme, lowContrast: m.lowContrast }).toEqual({ theme, lowContrast: [] });
        await screenshot(page, `screen-layout-theme-${theme}`);
      }
    } finally {
      await context.close();
    }
  });

  it("keeps the header still while 200 ballots arrive", async () => {
    const round = await createRound(suite.app, demoRound());
    const key = await screenKey(round.id);
    const { context, page } = await newPage(suite.browser, {
      baseURL: suite.app.urls[0] as string,
      viewport: { width: 1024, height: 768 },
    });
    const boxes = () =>
      page.$$eval(
        ".screen-header, .screen-round-title, .screen-status, .screen-state, .screen-figures, .screen-figures dd, .screen-list",
        (elements) =>
          elements.map((element) => {
            const { x, y, width, height } = element.getBoundingClientRect();
            return `${element.className || element.tagName} ${[x, y, width, height].map((n) => n.toFixed(1)).join(",")}`;
          }),
      );
    try {
      await openScreen(page, round.id, key, "top=10");
      const before = await boxes();
      await castRandomBallots(round, 200, 13);
      // The update arrives over the socket: wait for the count in the page, then for the ticking to end.
      await page.waitForFunction(
        () => document.querySelector(".screen-figures [data-value]")?.getAttribute("data-value") === "200",
      );
      await waitForCountsSettled(page);
      expect(await page.locator(".screen-figures [data-value]").last().textContent()).toMatch(/\d,\d{3}/);
      expect(await boxes()).toEqual(before);
      await screenshot(page, "screen-layout-header-after-200");
    } finally {
      await context.close();
    }
  });

  it("keeps a three-way tie at 9th together in the side panel, headed by its rank", async () => {
    // Options 1..8 get 20..13 votes, options 9, 10 and 11 get 9 each (tied 9th), then 5, 4 and 3.
    const votes = [20, 19, 18, 17, 16, 15, 14, 13, 9, 9, 9, 5, 4, 3];
    const round = await createRound(suite.app, smallRound(14, { minChoices: 1, maxChoices: 14 }, "Ties"));
    const voters = await suite.app.api.newVoters(20);
    await Promise.all(
      voters.map((voter, j) =>
        suite.app.api.vote(
          round.id,
          voter,
          votes.flatMap((v, i) => (v > j ? [String(i + 1)] : [])),
        ),
      ),
    );
    const key = await screenKey(round.id);
    const { context, page } = await newPage(suite.browser, {
      baseURL: suite.app.urls[0] as string,
      viewport: { width: 1920, height: 1080 },
    });
    try {
      await openScreen(page, round.id, key, "top=10");
      await page.locator(".screen-rest-row").first().waitFor();
      const ranks = (selector: string) =>
        page.$$eval(selector, (rows) => rows.map((row) => Number((row as HTMLElement).dataset.rank)));
      expect(await ranks(".screen-list .screen-row")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const panel = await ranks(".screen-rest-row");
      expect(panel.slice(0, 3)).toEqual([9, 9, 9]);
      expect(await page.locator(".screen-rest h2").textContent()).toBe(
        `第 ${panel[0]}–${panel[panel.length - 1]} 名，共 14 项`,
      );
      await screenshot(page, "screen-layout-ties");
    } finally {
      await context.close();
    }
  });
});
