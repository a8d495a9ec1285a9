import { isLongDescription, type Option } from "@lb/common";
import { memo, type ReactNode, useState } from "react";
import { formatNumber, t, useLocale } from "../../i18n";
import { Highlighted } from "./highlight";
import { paragraphSpans, previewOf } from "./option-text";
import { type MatchRange, rangesWithin } from "./search";

export interface OptionCardProps {
  option: Option;
  /** "pick": a checkbox; "read": voting is over for this voter (voted, or the round ended). */
  mode: "pick" | "read";
  checked: boolean;
  disabled: boolean;
  /** Votes so far; "pending" while the first live board is on its way (space kept); null when hidden. */
  votes: number | "pending" | null;
  titleRanges?: readonly MatchRange[];
  descriptionRanges?: readonly MatchRange[];
  onToggle: (optionId: string) => void;
}

function votesText(votes: number): string {
  return t(votes === 1 ? "vote.option.votesOne" : "vote.option.votes", { count: formatNumber(votes) });
}

/**
 * One option. Memoised: a live update changes the votes of a few options, and typing in the search box
 * changes the highlights of some; the other cards of a 64-option round are not rendered again.
 */
export const OptionCard = memo(function OptionCard(props: OptionCardProps) {
  useLocale(); // memoised, so it follows the language switch itself
  const { option, mode, checked, disabled, votes, titleRanges, descriptionRanges, onToggle } = props;
  const [expanded, setExpanded] = useState(false);
  const inputId = `option-${option.id}`;
  const bodyId = `option-body-${option.id}`;
  const description = option.description.trim() === "" ? "" : option.description;
  const collapsible = isLongDescription(description);

  let body: ReactNode = null;
  if (description !== "" && (expanded || !collapsible)) {
    body = paragraphSpans(description).map((span) => (
      <p key={span.start}>
        <Highlighted
          text={description.slice(span.start, span.end)}
          ranges={descriptionRanges && rangesWithin(descriptionRanges, span.start, span.end)}
        />
      </p>
    ));
  } else if (description !== "") {
    const preview = previewOf(description, descriptionRanges);
    body = (
      <p>
        {preview.before && "…"}
        <Highlighted text={preview.text} ranges={preview.ranges} />
        {preview.after && "…"}
      </p>
    );
  }

  const number = <span className="option-number">{option.number}</span>;
  const title = (
    <span className="option-title">
      <Highlighted text={option.title} ranges={titleRanges} />
    </span>
  );

  return (
    <li className={checked ? "option option-checked" : "option"}>
      <div className="option-head">
        {mode === "pick" ? (
          <label className="option-pick" htmlFor={inputId}>
            <input
              id={inputId}
              type="checkbox"
              checked={checked}
              disabled={disabled}
              onChange={() => onToggle(option.id)}
            />
            {number}
            {title}
          </label>
        ) : (
          <div className="option-pick option-read">
            {number}
            {title}
            {checked && <span className="option-mine">{t("vote.option.picked")}</span>}
          </div>
        )}
      </div>
      {body && (
        <div className="option-body" id={bodyId}>
          {body}
        </div>
      )}
      {/* The card's last row: "show more" on the left, the count on the right. Not beside the title: the title
          keeps three quarters of a phone's width. */}
      {(collapsible || votes !== null) && (
        <div className="option-foot">
          {collapsible && (
            <button
              type="button"
              className="link-button"
              aria-expanded={expanded}
              aria-controls={bodyId}
              onClick={() => setExpanded((value) => !value)}
            >
              {t(expanded ? "vote.option.collapse" : "vote.option.expand")}
            </button>
          )}
          {votes !== null && <span className="option-votes">{votes === "pending" ? "–" : votesText(votes)}</span>}
        </div>
      )}
    </li>
  );
});
