import { createTranslator } from "../../i18n";

/**
 * Verifiable receipts: the "verify my ballot" page, the receipt's hash line and the published head on the final
 * screen. Small enough to ride along with the voter page, which shows the receipt's line.
 */
const en = {
  "verify.title": "Verify my ballot",
  "verify.intro":
    "After voting closes the organiser publishes the round's log: every ballot's hash, chained to all the ballots counted before it, with its picks and time, and no voter's identity. Check here that the chain is whole, that the published results follow from it, and that your receipt's hash is in it.",
  "verify.hash": "Your receipt's hash",
  "verify.check": "Check against the published log",
  "verify.file": "Or check a log file you downloaded",
  "verify.download": "Download the published log",
  "verify.checking": "Checking…",
  "verify.unpublished": "The organiser has not published this round's log yet.",
  "verify.ok": "The log checks out",
  "verify.refused": "This log is refused",
  "verify.chain": "The chain is whole: {count} ballots lead to the published head {head}.",
  "verify.tally": "The published results follow from the ballots and exclusions in the log.",
  "verify.found": "Your ballot is in the log and counted.",
  "verify.foundExcluded": "Your ballot is in the log, but an exclusion left it out of the results.",
  "verify.notFound": "No ballot in the log has this hash.",
  "verify.offline": "Offline check: node tests/bench/verify-log.mjs log.ndjson [hash]",
  "receipt.hash": "Receipt hash",
  "receipt.verify": "Verify my ballot",
  "head.label": "Published chain head",
  "head.publish": "Publish the chain head",
};

const zhCN: Record<keyof typeof en, string> = {
  "verify.title": "核验我的选票",
  "verify.intro":
    "投票结束后，组织者会公布本轮的记录：每张选票的哈希（与之前计入的所有选票相链）、所选项和时间，不含任何投票人身份。可在此核验哈希链完整、公布的结果由记录得出，以及您的回执哈希在其中。",
  "verify.hash": "回执哈希",
  "verify.check": "与公布的记录核对",
  "verify.file": "或核验已下载的记录文件",
  "verify.download": "下载公布的记录",
  "verify.checking": "正在核验…",
  "verify.unpublished": "组织者尚未公布本轮记录。",
  "verify.ok": "记录核验通过",
  "verify.refused": "记录核验未通过",
  "verify.chain": "哈希链完整：{count} 张选票链接到公布的链头 {head}。",
  "verify.tally": "公布的结果与记录中的选票和排除一致。",
  "verify.found": "您的选票在记录中并已计入。",
  "verify.foundExcluded": "您的选票在记录中，但已被排除，未计入结果。",
  "verify.notFound": "记录中没有此哈希的选票。",
  "verify.offline": "离线核验：node tests/bench/verify-log.mjs log.ndjson [哈希]",
  "receipt.hash": "回执哈希",
  "receipt.verify": "核验我的选票",
  "head.label": "已公布的链头",
  "head.publish": "公布哈希链头",
};

export const verifyMessages = { en, "zh-CN": zhCN };
export const tv = createTranslator(verifyMessages);
