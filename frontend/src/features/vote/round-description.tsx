import { useState } from "react";
import { Paragraphs } from "../../components/paragraphs";
import { t } from "../../i18n";

/** About two lines of a phone-width header; a longer description is clamped until the voter asks for all of it. */
const CLAMP_ABOVE_CHARS = 60;

/**
 * The round's own description under its title. A long one would push the options below the fold of a small
 * phone, so it shows two lines and a "show more" that unfolds it in place (the header stays compact until then).
 */
export function RoundDescription({ text }: { text: string }) {
  const [expanded, setExpanded] = useState(false);
  const long = text.trim().length > CLAMP_ABOVE_CHARS || text.trim().includes("\n");
  return (
    <div className="round-description">
      <div id="round-description" className={long && !expanded ? "round-description-clamped" : undefined}>
        <Paragraphs text={text} />
      </div>
      {long && (
        <button
          type="button"
          className="link-button"
          aria-expanded={expanded}
          aria-controls="round-description"
          onClick={() => setExpanded((value) => !value)}
        >
          {t(expanded ? "vote.option.collapse" : "vote.option.expand")}
        </button>
      )}
    </div>
  );
}
