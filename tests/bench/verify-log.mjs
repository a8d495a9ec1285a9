#!/usr/bin/env node
// Offline check of a round's published log (GET /api/rounds/<id>/published-log), with nothing but Node:
//   node tests/bench/verify-log.mjs log.ndjson [receiptHash]
// Checks that every ballot's hash is the SHA-256 of "previousHash\nballotId\nchoices\natMs" (the first ballot
// chaining to the header's genesis, 64 zeros), that the last one is the published head, that the tally the
// header states follows from the ballots minus those the exclusions left out, and, when a receipt's hash is
// given, that it is one of the ballots. Exit code 0 when all holds, 1 when anything does not, 2 on bad usage.
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
  if (line.kind === "publication") {
    if (header) problems.push(`line ${lineNo}: a second header`);
    else {
      header = line;
      previous = line.genesis;
    }
  } else if (!header) {
    problems.push(`line ${lineNo}: an entry before the header`);
  } else if (line.kind === "ballot") {
    const expected = sha256hex(`${previous}\n${line.ballotId}\n${line.choices.join(",")}\n${line.atMs}`);
    if (expected !== line.hash) problems.push(`line ${lineNo}: ballot ${line.ballotId} does not chain`);
    previous = line.hash;
    if (choicesOf.has(line.ballotId)) problems.push(`line ${lineNo}: ballot ${line.ballotId} twice`);
    choicesOf.set(line.ballotId, line.choices);
    if (receiptHash && line.hash === receiptHash) found = line.ballotId;
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

if (!header) problems.push("no publication header");
else {
  if (previous !== header.head) problems.push("the last ballot's hash is not the published head");
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
