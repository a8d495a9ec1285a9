import { createTranslator } from "../../i18n";

/** The event pages' strings (phone and projector). */
const en = {
  "event.between.title": "Next round coming up",
  "event.between.notStarted": "The event starts soon",
  "event.between.body": "Keep this page open: it switches to the next round by itself.",
  "event.position": "Round {position} of {count}",
  "event.notFound.title": "Unknown event",
  "event.notFound.body": "There is no event called “{id}”. Check the link or scan the QR code again.",
};

const zhCN: Record<keyof typeof en, string> = {
  "event.between.title": "下一轮即将开始",
  "event.between.notStarted": "活动即将开始",
  "event.between.body": "请保持此页面打开：下一轮开始时会自动切换。",
  "event.position": "第 {position} 轮，共 {count} 轮",
  "event.notFound.title": "活动不存在",
  "event.notFound.body": "不存在名为“{id}”的活动。请检查链接或重新扫码。",
};

export const eventMessages = { en, "zh-CN": zhCN };
export const te = createTranslator(eventMessages);
