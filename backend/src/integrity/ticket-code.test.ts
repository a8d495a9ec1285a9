import { isTicketCode, normalizeTicketCode, TicketCodeSchema } from "@lb/common";
import { describe, expect, it } from "vitest";
import { newTicketCode, ticketHash } from "./ticket-code.js";

describe("ticket codes", () => {
  it("are XXXX-XXXX-XXXX over the unambiguous alphabet, and differ", () => {
    const codes = Array.from({ length: 2000 }, newTicketCode);
    for (const code of codes) {
      expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
      expect(isTicketCode(normalizeTicketCode(code))).toBe(true);
    }
    expect(new Set(codes).size).toBe(codes.length);
    // Every symbol turns up: the generator is not stuck on part of the alphabet.
    expect(new Set(codes.join("").replaceAll("-", "")).size).toBe(32);
  });

  it("normalise case, dashes and spaces; refuse look-alikes and wrong lengths", () => {
    expect(TicketCodeSchema.parse(" abcd-efgh jkmn ")).toBe("ABCDEFGHJKMN");
    for (const bad of [
      "ABCD-EFGH-JKM0",
      "ABCD-EFGH-JKMO",
      "ABCD-EFGH-JKM1",
      "ABCD-EFGH-JKMI",
      "ABCD-EFGH",
      "x".repeat(40),
    ]) {
      expect(TicketCodeSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("hash per round and secret, never containing the code", () => {
    const hash = ticketHash("s".repeat(32), "round-a", "ABCDEFGHJKMN");
    expect(hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(hash).not.toContain("ABCD");
    expect(ticketHash("s".repeat(32), "round-b", "ABCDEFGHJKMN")).not.toBe(hash);
    expect(ticketHash("t".repeat(32), "round-a", "ABCDEFGHJKMN")).not.toBe(hash);
    expect(ticketHash("s".repeat(32), "round-a", "ABCDEFGHJKMN")).toBe(hash);
  });
});
