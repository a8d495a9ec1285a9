import { describe, expect, it } from "vitest";
import { ticketPages, ticketsCsv } from "./ticket-sheet";

describe("ticket sheets", () => {
  it("cut tickets into pages of 8 or 16", () => {
    const tickets = Array.from({ length: 20 }, (_, i) => i);
    expect(ticketPages(tickets, 8).map((page) => page.length)).toEqual([8, 8, 4]);
    expect(ticketPages(tickets, 16).map((page) => page.length)).toEqual([16, 4]);
    expect(ticketPages([], 8)).toEqual([]);
  });

  it("CSV has a BOM, a header and quotes only where needed", () => {
    const csv = ticketsCsv('一楼 "A"', [
      { code: "ABCD-EFGH-JKMN", url: "http://h/r/x?ticket=ABCD-EFGH-JKMN" },
      { code: "2345-6789-ABCD", url: "http://h/r/x?ticket=2345-6789-ABCD" },
    ]);
    expect(csv.startsWith("\uFEFFbatch,code,url\r\n")).toBe(true);
    expect(csv).toContain('"一楼 ""A""",ABCD-EFGH-JKMN,http://h/r/x?ticket=ABCD-EFGH-JKMN\r\n');
    expect(csv.trimEnd().split("\r\n")).toHaveLength(3);
  });
});
