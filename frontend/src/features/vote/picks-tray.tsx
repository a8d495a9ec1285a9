import type { Option } from "@lb/common";
import { t } from "../../i18n";
import { Modal } from "./modal";

/** The review step: the picks in option order, each removable, then the one button that submits. */
export function PicksTray({
  open,
  onClose,
  picks,
  onRemove,
  reason,
  onConfirm,
}: {
  open: boolean;
  onClose: () => void;
  picks: readonly Option[];
  onRemove: (optionId: string) => void;
  /** Why the ballot cannot be submitted now, or null when it can. */
  reason: string | null;
  onConfirm: () => void;
}) {
  return (
    <Modal open={open} onClose={onClose} labelledBy="tray-heading" className="tray">
      <h2 id="tray-heading">{t("vote.tray.heading", { count: picks.length })}</h2>
      {picks.length === 0 ? (
        <p className="muted">{t("vote.tray.empty")}</p>
      ) : (
        <ul className="tray-list">
          {picks.map((option) => (
            <li key={option.id}>
              <span className="option-number">{option.number}</span>
              <span className="tray-title">{option.title}</span>
              <button
                type="button"
                className="button button-secondary tray-remove"
                aria-label={t("vote.tray.removeLabel", { number: option.number, title: option.title })}
                onClick={() => onRemove(option.id)}
              >
                {t("vote.tray.remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <p id="tray-reason" className={reason ? "submit-reason" : "muted"}>
        {reason ?? t("vote.tray.note")}
      </p>
      <div className="modal-actions">
        <button type="button" className="button button-secondary" onClick={onClose}>
          {t("vote.tray.back")}
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={reason !== null}
          aria-describedby="tray-reason"
          onClick={onConfirm}
        >
          {t("vote.tray.confirm")}
        </button>
      </div>
    </Modal>
  );
}
