import type { EventView } from "@lb/common";
import { te } from "./event-messages";

/**
 * The card between rounds ("下一轮即将开始" / "Next round coming up"): while the event has no current round yet
 * or its current round is still a draft. The next round's title shows when the viewer may see it (the
 * projector does; phones do not see drafts).
 */
export function BetweenRounds({ event, headingLevel = 1 }: { event: EventView; headingLevel?: 1 | 2 }) {
  const Heading = headingLevel === 1 ? "h1" : "h2";
  const started = event.position !== null;
  return (
    <section className="event-between" data-testid="between-rounds" aria-live="polite">
      <p className="event-between-event">{event.title}</p>
      <Heading className="event-between-title">
        {started ? te("event.between.title") : te("event.between.notStarted")}
      </Heading>
      {event.next && <p className="event-between-next">{event.next.title}</p>}
      {event.position !== null && (
        <p className="event-between-position">
          {te("event.position", { position: event.position, count: event.roundCount })}
        </p>
      )}
      <p className="event-between-body">{te("event.between.body")}</p>
    </section>
  );
}
