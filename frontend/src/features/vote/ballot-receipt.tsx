import type { BallotReceipt, Option } from "@lb/common";
import { formatDateTime, t } from "../../i18n";

export function BallotReceiptView({
  receipt,
  options,
  fresh,
  onShowBoard,
}: {
  receipt: BallotReceipt;
  options: readonly Option[];
  /** True right after this page sent it; false when the server had it from an earlier visit. */
  fresh: boolean;
  onShowBoard: () => void;
}) {
  const byId = new Map(options.map((option) => [option.id, option]));
  return (
    <section className="receipt" aria-labelledby="receipt-heading">
      <h2 id="receipt-heading" tabIndex={-1}>
        {t(fresh ? "receipt.counted" : "receipt.already")}
      </h2>
      <dl className="receipt-facts">
        <dt>{t("receipt.ballotId")}</dt>
        <dd>
          <code>{receipt.ballotId}</code>
        </dd>
        <dt>{t("receipt.time")}</dt>
        <dd>
          <time dateTime={receipt.receivedAt}>{formatDateTime(receipt.receivedAt)}</time>
        </dd>
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
