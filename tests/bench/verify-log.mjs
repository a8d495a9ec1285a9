#!/usr/bin/env node
// Offline check of a round's published log (GET /api/rounds/<id>/published-log), with nothing but Node:
//   node tests/bench/verify-log.mjs log.ndjson [receiptHash]
// The chain is a chain of steps: the ballots counted together, consecutive lines with the same `link`. Checks that
// every step's link is the SHA-256 of "previousLink\natMs\ndigest", digest being the SHA-256 of its ballots'
// "ballotId\nchoices\n" concatenated (the first step chaining to the header's genesis, 64 zeros), that every
// ballot's hash is the SHA-256 of "link\nballotId", that the last link is the published head, that the tally the
// header states follows from the ballots minus those the exclusions left out, and, when a receipt's hash is
// given, that it is one of the ballots. Ballots without a link (logs written before steps) chain one by one:
// hash = SHA-256 of "previousHash\nballotId\nchoices\natMs". Exit code 0 when all holds, 1 when anything does not,
// 2 on bad usage.
// Standalone on purpose: it repeats common/src/history.ts's checkPublishedLog so that anyone can read and run
// it without our code.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

const [file, receiptHash] = process.argv.slice(2);
if (!file) {
  console.error("usage: node verify-log.mjs log.ndjson [receiptHash]");
  process.exit(2);
}

const sha256hex = (text) => createHash("sha256").update(text, "utf8").digest("hex");
const problems = [];
let header;
let previous;
let lineNo = 0;
let found;
const choicesOf = new Map();
const out = new Set();
// The step being read: { link, atMs, first, ballots }.
let step;

function closeStep() {
  if (!step) return;
  const { link, atMs, first, ballots } = step;
  step = undefined;
  const digest = sha256hex(ballots.map((ballot) => `${ballot.ballotId}\n${ballot.choices.join(",")}\n`).join(""));
  if (sha256hex(`${previous}\n${atMs}\n${digest}`) !== link) {
    problems.push(`line ${first}: the step of ${ballots.length} ballot(s) from ${ballots[0].ballotId} does not chain`);
  }
  previous = link;
  for (const ballot of ballots) {
    if (sha256hex(`${link}\n${ballot.ballotId}`) !== ballot.hash) {
      problems.push(`ballot ${ballot.ballotId}: its hash does not follow from its step`);
    }
  }
}

for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
  lineNo++;
  if (text.trim() === "") continue;
  let line;
  try {
    line = JSON.parse(text);
  } catch {
    problems.push(`line ${lineNo}: not JSON`);
    continue;
  }
  if (line.kind !== "ballot") closeStep();
  if (line.kind === "publication") {
    if (header) problems.push(`line ${lineNo}: a second header`);
    else {
      header = line;
      previous = line.genesis;
    }
  } else if (!header) {
    problems.push(`line ${lineNo}: an entry before the header`);
  } else if (line.kind === "ballot") {
    if (choicesOf.has(line.ballotId)) problems.push(`line ${lineNo}: ballot ${line.ballotId} twice`);
    choicesOf.set(line.ballotId, line.choices);
    if (receiptHash && line.hash === receiptHash) found = line.ballotId;
    if (line.link === undefined) {
      closeStep();
      const expected = sha256hex(`${previous}\n${line.ballotId}\n${line.choices.join(",")}\n${line.atMs}`);
      if (expected !== line.hash) problems.push(`line ${lineNo}: ballot ${line.ballotId} does not chain`);
      previous = line.hash;
    } else if (step && step.link === line.link) {
      if (line.atMs !== step.atMs) problems.push(`line ${lineNo}: a step's ballots have different times`);
      step.ballots.push(line);
    } else {
      closeStep();
      step = { link: line.link, atMs: line.atMs, first: lineNo, ballots: [line] };
    }
  } else if (line.kind === "exclude" || line.kind === "restore") {
    for (const id of line.ballotIds) {
      if (!choicesOf.has(id)) problems.push(`line ${lineNo}: names ballot ${id}, not earlier in the log`);
      if (line.kind === "exclude") out.add(id);
      else out.delete(id);
    }
  } else {
    problems.push(`line ${lineNo}: unknown kind ${JSON.stringify(line.kind)}`);
  }
}

closeStep();
if (!header) problems.push("no publication header");
else {
  if (previous !== header.head) problems.push("the last step's link is not the published head");
  const tally = Object.fromEntries(Object.keys(header.tally).map((id) => [id, 0]));
  for (const [id, choices] of choicesOf) {
    if (out.has(id)) continue;
    for (const choice of choices) tally[choice] = (tally[choice] ?? 0) + 1;
  }
  for (const id of new Set([...Object.keys(tally), ...Object.keys(header.tally)])) {
    if (tally[id] !== header.tally[id]) {
      problems.push(`option ${id}: the log gives ${tally[id] ?? 0} votes, the publication ${header.tally[id] ?? 0}`);
    }
  }
  if (choicesOf.size !== header.ballots)
    problems.push(`${choicesOf.size} ballots in the log, published ${header.ballots}`);
  if (out.size !== header.excluded)
    problems.push(`${out.size} ballots excluded in the log, published ${header.excluded}`);
}
if (receiptHash && !found) problems.push(`the receipt's hash ${receiptHash} is not in the log`);

if (problems.length > 0) {
  console.log(`REFUSED: ${problems.length} problem(s)`);
  for (const problem of problems.slice(0, 20)) console.log(`  ${problem}`);
  process.exit(1);
}
console.log(`OK: ${choicesOf.size} ballots chain to head ${header.head}; the published tally follows from them.`);
if (found)
  console.log(
    `Your ballot ${found} is in the log${out.has(found) ? ", but an exclusion left it out of the tally" : " and counted"}.`,
  );
