import { describe, expect, it } from "vitest";
import { localDay } from "./local-day.js";

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe("localDay", () => {
  it("Asia/Shanghai (UTC+8, no DST): the day runs from 16:00 UTC to 16:00 UTC", () => {
    const day = localDay("Asia/Shanghai", at("2026-11-30T17:30:00Z"));
    expect(day).toEqual({
      label: "2026-12-01",
      startMs: at("2026-11-30T16:00:00Z"),
      endMs: at("2026-12-01T16:00:00Z"),
      prevLabel: "2026-11-30",
      nextLabel: "2026-12-02",
    });
    // One millisecond before the start is still the day before.
    expect(localDay("Asia/Shanghai", day.startMs - 1).label).toBe("2026-11-30");
    expect(localDay("Asia/Shanghai", day.endMs).label).toBe("2026-12-02");
  });

  it("UTC, and a month and year boundary", () => {
    const day = localDay("UTC", at("2026-12-31T23:59:59.999Z"));
    expect(day.label).toBe("2026-12-31");
    expect(day.nextLabel).toBe("2027-01-01");
    expect(day.endMs).toBe(at("2027-01-01T00:00:00Z"));
  });

  it("DST days in America/New_York are 23 and 25 hours long", () => {
    const spring = localDay("America/New_York", at("2026-03-08T12:00:00Z"));
    expect(spring.startMs).toBe(at("2026-03-08T05:00:00Z"));
    expect(spring.endMs - spring.startMs).toBe(23 * HOUR);
    const autumn = localDay("America/New_York", at("2026-11-01T12:00:00Z"));
    expect(autumn.startMs).toBe(at("2026-11-01T04:00:00Z"));
    expect(autumn.endMs - autumn.startMs).toBe(25 * HOUR);
  });

  it("a zone east of UTC by a fraction of an hour (Asia/Kolkata, +5:30)", () => {
    const day = localDay("Asia/Kolkata", at("2026-06-15T20:00:00Z"));
    expect(day.label).toBe("2026-06-16");
    expect(day.startMs).toBe(at("2026-06-15T18:30:00Z"));
  });
});
