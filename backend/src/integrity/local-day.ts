/**
 * Calendar days in an IANA time zone, for `daily` rounds. Lua in Redis has no time zone database, so Node
 * works out where the current local day starts and ends (in ms since 1970) and the labels of it and its
 * neighbours; cast-ballot.lua then picks the label by Redis's own clock.
 */
export interface LocalDay {
  /** YYYY-MM-DD in the zone. */
  label: string;
  /** First instant of the day, ms since 1970. */
  startMs: number;
  /** First instant of the next day (a DST day is 23 or 25 hours long). */
  endMs: number;
  prevLabel: string;
  nextLabel: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, format);
  }
  return format;
}

/** The wall clock of an instant in a zone, as numbers. */
function wallClock(zone: string, ms: number) {
  const fields: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(ms)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return fields as Record<"year" | "month" | "day" | "hour" | "minute" | "second", number>;
}

/** How far the zone's wall clock is ahead of UTC at an instant. */
function offsetAt(zone: string, ms: number): number {
  const w = wallClock(zone, ms);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The first instant of a local date: local midnight, found by correcting UTC midnight with the zone's offset
 * twice (the second pass settles days whose offset changes between UTC and local midnight). Where a DST change
 * skips midnight itself, this is the first instant after the gap, which is when that date starts there.
 */
function startOfDate(zone: string, year: number, month: number, day: number): number {
  const utcMidnight = Date.UTC(year, month - 1, day);
  const first = utcMidnight - offsetAt(zone, utcMidnight);
  return utcMidnight - offsetAt(zone, first);
}

const label = (utcMs: number) => new Date(utcMs).toISOString().slice(0, 10);

export function localDay(zone: string, nowMs: number): LocalDay {
  const w = wallClock(zone, nowMs);
  const today = Date.UTC(w.year, w.month - 1, w.day);
  const tomorrow = new Date(today + 86_400_000);
  return {
    label: label(today),
    startMs: startOfDate(zone, w.year, w.month, w.day),
    endMs: startOfDate(zone, tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate()),
    prevLabel: label(today - 86_400_000),
    nextLabel: label(today + 86_400_000),
  };
}
