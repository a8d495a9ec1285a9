import type { BallotReceipt, Option, RoundRules } from "@lb/common";
import { formatDateTime, t } from "../../i18n";
import { Link } from "../../lib/router";
import { paths } from "../../lib/routes";
import { tv } from "../verify/verify-messages";
import "../verify/verify.css";

export function BallotReceiptView({
  receipt,
  options,
  fresh,
  rules,
  onShowBoard,
}: {
  receipt: BallotReceipt;
  options: readonly Option[];
  /** True right after this page sent it; false when the server had it from an earlier visit (or another phone). */
  fresh: boolean;
  rules: Pick<RoundRules, "electorate" | "ballotsPerVoter" | "timeZone">;
  onShowBoard: () => void;
}) {
  const byId = new Map(options.map((option) => [option.id, option]));
  const tickets = rules.electorate === "tickets";
  const heading = fresh ? "receipt.counted" : tickets ? "receipt.ticketUsed" : "receipt.already";
  return (
    <section className={!fresh && tickets ? "receipt receipt-used" : "receipt"} aria-labelledby="receipt-heading">
      <h2 id="receipt-heading" tabIndex={-1}>
        {t(heading)}
      </h2>
      {!fresh && tickets && <p>{t("receipt.ticketNote")}</p>}
      {rules.ballotsPerVoter === "daily" && <p>{t("receipt.againTomorrow", { zone: rules.timeZone })}</p>}
      <dl className="receipt-facts">
        <dt>{t("receipt.ballotId")}</dt>
        <dd>
          <code>{receipt.ballotId}</code>
        </dd>
        <dt>{t("receipt.time")}</dt>
        <dd>
          <time dateTime={receipt.receivedAt}>{formatDateTime(receipt.receivedAt)}</time>
        </dd>
        {/* Verifiable receipts: the ballot's hash, to find in the published log. */}
        {receipt.hash && (
          <>
            <dt>{tv("receipt.hash")}</dt>
            <dd>
              <span className="receipt-hash">{receipt.hash}</span>{" "}
              <Link href={paths.verify(receipt.roundId, receipt.hash)}>{tv("receipt.verify")}</Link>
            </dd>
          </>
        )}
      </dl>
      <h3>{t("receipt.picks", { count: receipt.choices.length })}</h3>
      <ul className="receipt-picks">
        {receipt.choices.map((id) => {
          const option = byId.get(id);
          return (
            <li key={id}>
              <span className="option-number">{option?.number ?? id}</span> {option?.title ?? ""}
            </li>
          );
        })}
      </ul>
      <button type="button" className="button" onClick={onShowBoard}>
        {t("receipt.board")}
      </button>
    </section>
  );
}
