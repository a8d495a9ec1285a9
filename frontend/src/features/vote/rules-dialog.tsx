import type { RoundRules } from "@lb/common";
import { t } from "../../i18n";
import { Modal } from "./modal";
import { formatWhen, picksRuleText } from "./vote-text";

function windowText(rules: RoundRules): string {
  const opens = rules.opensAt && formatWhen(rules.opensAt);
  const closes = rules.closesAt && formatWhen(rules.closesAt);
  if (opens && closes) return t("vote.rules.window.both", { opens, closes });
  if (opens) return t("vote.rules.window.opens", { opens });
  if (closes) return t("vote.rules.window.closes", { closes });
  return t("vote.rules.window.none");
}

function ballotsRuleText(rules: RoundRules): string {
  const tickets = rules.electorate === "tickets";
  if (rules.ballotsPerVoter === "daily") {
    return t(tickets ? "vote.rules.dailyTicket" : "vote.rules.daily", { zone: rules.timeZone });
  }
  return t(tickets ? "vote.rules.oneTicket" : "vote.rules.oneBallot");
}

export function RulesDialog({ rules, open, onClose }: { rules: RoundRules; open: boolean; onClose: () => void }) {
  return (
    <Modal open={open} onClose={onClose} labelledBy="rules-heading">
      <h2 id="rules-heading">{t("vote.rules.heading")}</h2>
      <ul className="rules-list">
        <li>{picksRuleText(rules)}</li>
        <li>{ballotsRuleText(rules)}</li>
        <li>{windowText(rules)}</li>
        <li>{t(`vote.rules.results.${rules.resultsVisibility}`)}</li>
      </ul>
      <div className="modal-actions">
        <button type="button" className="button" onClick={onClose}>
          {t("vote.rules.close")}
        </button>
      </div>
    </Modal>
  );
}
