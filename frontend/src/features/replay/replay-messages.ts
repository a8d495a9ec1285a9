import { createTranslator } from "../../i18n";

/** The replay player's strings; they load with the screen, not with the voter page. */
const en = {
  "replay.title": "Replay of the race",
  "replay.play": "Play",
  "replay.pause": "Pause",
  "replay.restart": "From the start",
  "replay.speed": "Speed",
  "replay.position": "Time in the round",
  "replay.ballotsLabel": "Ballots",
  "replay.final": "Final board",
  "replay.empty": "No ballots to replay.",
  "replay.hidden": "The results of this round are not visible yet.",
  "replay.loading": "Loading the round's log…",
  "replay.close": "Close the replay",
};

const zhCN: Record<keyof typeof en, string> = {
  "replay.title": "比赛回放",
  "replay.play": "播放",
  "replay.pause": "暂停",
  "replay.restart": "从头开始",
  "replay.speed": "速度",
  "replay.position": "投票时间",
  "replay.ballotsLabel": "选票",
  "replay.final": "最终结果",
  "replay.empty": "没有可回放的选票。",
  "replay.hidden": "本轮结果尚未公开。",
  "replay.loading": "正在读取投票记录…",
  "replay.close": "关闭回放",
};

export const replayMessages = { en, "zh-CN": zhCN };
export const tr = createTranslator(replayMessages);
