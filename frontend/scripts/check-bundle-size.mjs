// Fails the build when the JavaScript a voter downloads before the vote page can run grows past the budget.
// That is the entry chunk and every chunk it imports statically (from Vite's manifest), gzipped; chunks loaded
// on demand (the organiser console, the projector screen) are not counted: voters never load them.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

/** The budget, gzip bytes. Measured at 99 kB when it was set (React 19 + Socket.IO client + the app). */
export const VOTER_JS_BUDGET_GZIP = 120_000;

const dist = new URL("../dist/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL(".vite/manifest.json", dist), "utf8"));

const entry = Object.entries(manifest).find(([, chunk]) => chunk.isEntry);
if (!entry) throw new Error("check-bundle-size: no entry chunk in dist/.vite/manifest.json");

const seen = new Set();
const visit = (key) => {
  if (seen.has(key)) return;
  seen.add(key);
  for (const imported of manifest[key]?.imports ?? []) visit(imported);
};
visit(entry[0]);

const files = [...seen].map((key) => manifest[key].file).filter((file) => file.endsWith(".js"));
const sizes = files.map((file) => ({ file, gzip: gzipSync(readFileSync(new URL(file, dist)), { level: 9 }).length }));
const total = sizes.reduce((sum, { gzip }) => sum + gzip, 0);
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

for (const { file, gzip } of sizes) console.log(`  ${file}  ${kb(gzip)} gzip`);
console.log(`voter JS for /r/<id>: ${kb(total)} gzip (budget ${kb(VOTER_JS_BUDGET_GZIP)})`);
if (total > VOTER_JS_BUDGET_GZIP) {
  console.error(
    `check-bundle-size: the vote page's JavaScript is ${kb(total - VOTER_JS_BUDGET_GZIP)} over budget. ` +
      "Load what voters do not need with import(), or raise VOTER_JS_BUDGET_GZIP in scripts/check-bundle-size.mjs " +
      "with a reason.",
  );
  process.exit(1);
}
