import { createTranslator } from "../../i18n";

/** The projector screen's strings; they load with the screen, not with the voter page. */
const en = {
  "screen.status.draft": "Voting opens soon",
  "screen.status.open": "Voting is open",
  "screen.status.paused": "Voting is paused",
  "screen.status.closed": "Final results",
  "screen.statusLabel": "Voting status",
  "screen.voters": "Voters",
  "screen.votes": "Votes",
  "screen.scan": "Scan to vote",
  "screen.scanPreview": "Scan to read the options",
  "screen.hidden": "Results will be shown when voting closes",
  "screen.noBallots": "No votes yet. Be the first!",
  "screen.rest": "Ranks {from}–{to} of {total}",
  "screen.restTied": "Tied at rank {from} of {total}",
  "screen.reset": "Reset: counting starts again from zero",
  "screen.moved.up": "up {count}",
  "screen.moved.down": "down {count}",
  "screen.key.title": "Screen key missing or wrong",
  "screen.key.body":
    "This screen needs the projector link from the organiser console (Share → Projector screen). Making a new key stops old links from working.",
  "screen.notFound": "There is no round called “{id}”.",
};

const zhCN: Record<keyof typeof en, string> = {
  "screen.status.draft": "投票即将开始",
  "screen.status.open": "投票进行中",
  "screen.status.paused": "投票已暂停",
  "screen.status.closed": "最终结果",
  "screen.statusLabel": "投票状态",
  "screen.voters": "投票人数",
  "screen.votes": "总票数",
  "screen.scan": "扫码投票",
  "screen.scanPreview": "扫码查看候选项",
  "screen.hidden": "投票结束后公布结果",
  "screen.noBallots": "还没有人投票，快来投第一票！",
  "screen.rest": "第 {from}–{to} 名，共 {total} 项",
  "screen.restTied": "并列第 {from} 名，共 {total} 项",
  "screen.reset": "已重置：重新从零开始计票",
  "screen.moved.up": "上升 {count}",
  "screen.moved.down": "下降 {count}",
  "screen.key.title": "大屏密钥缺失或错误",
  "screen.key.body": "请使用组织者控制台中的大屏链接（分享 → 投影大屏）。生成新密钥后，旧链接将失效。",
  "screen.notFound": "不存在名为“{id}”的投票。",
};

export const screenMessages = { en, "zh-CN": zhCN };
export const ts = createTranslator(screenMessages);
