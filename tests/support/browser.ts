import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type Backends, startBackends } from "./backend.js";

/**
 * End-to-end helpers: Debian's Chromium driven by playwright-core (no browser download), and a backend that
 * serves the built frontend. Used by every `e2e/*.spec.ts`.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** The built frontend; FRONTEND_DIST points elsewhere (e.g. a build made in another checkout). */
export const FRONTEND_DIST =
  process.env.FRONTEND_DIST ?? fileURLToPath(new URL("../../frontend/dist", import.meta.url));
export const SCREENSHOT_DIR = fileURLToPath(new URL("../artifacts/screenshots", import.meta.url));
/** A common phone (the issue's 390x844). */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

/**
 * Launches headless Chromium. playwright-core gives every launch a new temporary profile
 * (`--user-data-dir` in the temp directory, removed on close), so runs never share cookies or storage.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Starts one backend (real Redis of the run) that also serves frontend/dist, as production does. */
export async function startAppServer(): Promise<Backends> {
  if (!existsSync(`${FRONTEND_DIST}/index.html`)) {
    throw new Error(`${FRONTEND_DIST}/index.html is missing: build the frontend first (npm run build -w @lb/frontend)`);
  }
  return startBackends(1, { staticDir: FRONTEND_DIST });
}

export interface PageOptions {
  baseURL: string;
  /** Browser language, e.g. "zh-CN" or "en-US" (sets navigator.languages and Accept-Language). */
  locale?: string;
  viewport?: { width: number; height: number };
}

/** A fresh context (own cookies and storage: a new voter) with one page, at a phone viewport by default. */
export async function newPage(
  browser: Browser,
  options: PageOptions,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: options.baseURL,
    locale: options.locale ?? "zh-CN",
    viewport: options.viewport ?? PHONE_VIEWPORT,
    deviceScaleFactor: 1,
    hasTouch: true,
  });
  // Well under the test timeout, so a wait that never ends fails with the locator it was waiting for.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page };
}

/** Saves a screenshot (the viewport, or the whole page) to tests/artifacts/screenshots/<name>.png for a person to look at. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}/${name}.png`;
  await page.screenshot({ path, fullPage: options.fullPage ?? false, animations: "disabled", caret: "hide" });
  return path;
}
