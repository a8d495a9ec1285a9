import type { ScreenKeyResponse } from "@lb/common";
import type { Browser, Page } from "playwright-core";
import QRCode from "qrcode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backends, startBackends } from "../support/backend.js";
import { FRONTEND_DIST, launchBrowser, newPage, screenshot } from "../support/browser.js";
import { smallRound } from "../support/rounds.js";

/**
 * The console's Share tab hands out links that phones can open: built from the server's PUBLIC_URL when it has
 * one (links and QR code), and with a warning (zh-CN and English) when they point at a loopback address.
 */

const PUBLIC_URL = "http://192.168.50.20:3000";
const DESK = { width: 1366, height: 900 };
const LABELS = {
  en: { token: "Admin token", signIn: "Sign in", share: "Share" },
  "zh-CN": { token: "管理员令牌", signIn: "登录", share: "分享" },
};

let browser: Browser;
let local: Backends;
let published: Backends;

beforeAll(async () => {
  browser = await launchBrowser();
  local = await startBackends(1, { staticDir: FRONTEND_DIST });
  published = await startBackends(1, { staticDir: FRONTEND_DIST, publicUrl: PUBLIC_URL });
});

afterAll(async () => {
  await browser?.close();
  await local?.close();
  await published?.close();
});

/** Signs in at `app`'s own address (127.0.0.1) and opens a new round's Share tab. */
async function openShareTab(app: Backends, locale: keyof typeof LABELS): Promise<{ page: Page; roundId: string }> {
  const round = await app.api.createRound(smallRound(3), "share");
  const { page } = await newPage(browser, { baseURL: app.urls[0] as string, locale, viewport: DESK });
  const labels = LABELS[locale];
  await page.goto("/admin");
  await page.getByLabel(labels.token).fill(app.adminToken);
  await page.getByRole("button", { name: labels.signIn }).click();
  await page.locator(`tr[data-round="${round.id}"] button`).click();
  const detail = page.locator(`[data-round-detail="${round.id}"]`);
  await detail.getByRole("tab", { name: labels.share }).click();
  await detail.getByTestId("vote-url").waitFor();
  return { page, roundId: round.id };
}

/** The QR code's image source as the console renders it for `text` (same library, same options). */
async function qrSource(text: string): Promise<string> {
  const svg = await QRCode.toString(text, {
    type: "svg",
    margin: 1,
    errorCorrectionLevel: "M",
    color: { dark: "#000", light: "#fff" },
  });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

describe("the Share tab's links", () => {
  it("warns, in English and in Chinese, that a loopback link does not open on phones", async () => {
    for (const locale of ["en", "zh-CN"] as const) {
      const { page, roundId } = await openShareTab(local, locale);
      try {
        const voteUrl = await page.getByTestId("vote-url").inputValue();
        expect(voteUrl).toBe(`${local.urls[0]}/r/${roundId}`);
        const warning = page.getByTestId("loopback-warning");
        const host = new URL(local.urls[0] as string).host;
        expect(await warning.textContent()).toMatch(
          locale === "en"
            ? new RegExp(`points at ${host}, which only opens on this computer.*PUBLIC_URL`)
            : new RegExp(`指向 ${host}，只能在这台电脑上打开.*PUBLIC_URL`),
        );
        await screenshot(page, `console-share-loopback-${locale}`);
      } finally {
        await page.context().close();
      }
    }
  });

  it("builds the links and the QR code from PUBLIC_URL, without a warning", async () => {
    const { page, roundId } = await openShareTab(published, "en");
    try {
      const voteUrl = `${PUBLIC_URL}/r/${roundId}`;
      expect(await page.getByTestId("vote-url").inputValue()).toBe(voteUrl);
      await page.getByTestId("screen-url").waitFor();
      expect(await page.getByTestId("screen-url").inputValue()).toMatch(
        new RegExp(`^${PUBLIC_URL}/r/${roundId}/screen\\?key=.+`),
      );
      expect(await page.getByRole("link", { name: `${PUBLIC_URL}/r/${roundId}/board` }).count()).toBe(1);
      const qr = page.getByRole("img", { name: "QR code of the vote page" });
      await qr.waitFor();
      expect(await qr.getAttribute("src")).toBe(await qrSource(voteUrl));
      expect(await page.getByTestId("loopback-warning").count()).toBe(0);
      await screenshot(page, "console-share-public-url");
    } finally {
      await page.context().close();
    }
  });

  it("puts PUBLIC_URL in the projector's own QR code, whatever address the screen was opened at", async () => {
    const round = await published.api.createOpenRound(smallRound(3), "screen");
    const { body } = await published.api.admin<ScreenKeyResponse>("GET", `/api/rounds/${round.id}/screen-key`);
    const key = body.screenKey;
    const { page } = await newPage(browser, { baseURL: published.urls[0] as string, locale: "en", viewport: DESK });
    try {
      await page.goto(`/r/${round.id}/screen?key=${encodeURIComponent(key)}`);
      const voteUrl = `${PUBLIC_URL}/r/${round.id}`;
      const shortUrl = page.locator(".screen-url");
      await expect.poll(() => shortUrl.textContent()).toBe(`${new URL(PUBLIC_URL).host}/r/${round.id}`);
      const qr = page.locator("img.screen-qr-code");
      await expect.poll(() => qr.getAttribute("src")).toBe(await qrSource(voteUrl));
    } finally {
      await page.context().close();
    }
  });
});
