import { setFlagsFromString } from "node:v8";

/**
 * V8's allocation-site pretenuring, off (issue 8; BENCHMARKS.md, "Pretenuring").
 *
 * V8 counts, per allocation site, how many of its objects survive a young-generation collection (a scavenge);
 * when nearly all do, it allocates the site's later objects straight in the old generation. In this backend a
 * few hundred Express requests (voter pages minting tokens, say) are enough for V8 to pretenure sites that the
 * ballot fast path allocates at too (`--trace-pretenuring` shows the decisions). From then on a ballot's old
 * objects point at its young ones, and a scavenge keeps whatever an old object points at, dead or not: every
 * ballot's young objects (its head, its request and response, its promises) were copied at two scavenges and then
 * promoted, 2.6 MB a scavenge, freed only by a full collection. Without pretenuring they die young, as they do in
 * a process that never served Express: 0.1–0.4 MB survive a scavenge, and the backend's CPU per ballot drops by
 * about a fifth.
 *
 * Imported first by main.ts, so that the flag is set before any request is served. An operator who wants V8's
 * default back starts the backend with `node --allocation-site-pretenuring backend/dist/main.js`.
 */
if (!process.execArgv.includes("--allocation-site-pretenuring")) {
  setFlagsFromString("--no-allocation-site-pretenuring");
}
