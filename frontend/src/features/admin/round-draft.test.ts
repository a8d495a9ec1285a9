import type { RoundView } from "@lb/common";
import { describe, expect, it } from "vitest";
import { checkDraft, draftFromRound, emptyDraft, fromLocalInput, patchFor, toLocalInput } from "./round-draft";

const round: RoundView = {
  id: "r1",
  title: "Round",
  description: "",
  rules: {
    minChoices: 1,
    maxChoices: 2,
    resultsVisibility: "always",
    screenVisibility: "always",
    opensAt: null,
    closesAt: null,
    electorate: "open",
    ballotsPerVoter: "once",
    timeZone: "Asia/Shanghai",
    allowedNetworks: [],
  },
  options: [
    { id: "1", number: 1, title: "One", description: "" },
    { id: "2", number: 2, title: "Two", description: "d" },
  ],
  status: "open",
  epoch: 1,
  revision: 1,
  totalBallots: 3,
  votingOpen: true,
  votingEnded: false,
  serverTime: "2026-01-01T00:00:00.000Z",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  archived: false,
};

describe("allowed networks", () => {
  it("are one per line, checked like the server does, and sent only when changed", () => {
    const draft = { ...draftFromRound(round), allowedNetworks: " 192.168.10.0/24\n\n2001:db8:5::/48 \n" };
    const check = checkDraft(draft);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.round.rules.allowedNetworks).toEqual(["192.168.10.0/24", "2001:db8:5::/48"]);
    expect(patchFor(round, check.round)).toEqual({
      rules: { allowedNetworks: ["192.168.10.0/24", "2001:db8:5::/48"] },
    });
    const unchanged = checkDraft(draftFromRound(round));
    expect(unchanged.ok && patchFor(round, unchanged.round)).toBeNull();

    const bad = checkDraft({ ...draft, allowedNetworks: "192.168.10.0/24\nvenue wifi" });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues[0]?.field).toBe("rules.allowedNetworks.1");
  });
});

describe("checkDraft", () => {
  it("turns a filled form into a round the server accepts", () => {
    const draft = { ...emptyDraft(), id: "my-round", title: " Best case ", maxChoices: "2" };
    draft.options = draft.options.map((option, i) => ({ ...option, title: `Option ${i + 1}` }));
    const check = checkDraft(draft);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.round).toMatchObject({ id: "my-round", title: "Best case", rules: { minChoices: 1, maxChoices: 2 } });
    expect(check.round.options.map((option) => option.id)).toEqual(["1", "2"]);
  });

  it("places problems on the option row and field they concern", () => {
    const draft = { ...emptyDraft(), title: "t", minChoices: "x" };
    draft.options = [
      { key: "a", number: "1", title: "A", description: "" },
      { key: "b", number: "1", title: "", description: "" },
    ];
    const check = checkDraft(draft);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.issues).toEqual(
      expect.arrayContaining([
        { field: "rules.minChoices", kind: "notWhole" },
        { field: "title", option: 2, kind: "empty" },
        { field: "number", option: 2, kind: "duplicate", detail: 1 },
      ]),
    );
  });
});

describe("patchFor", () => {
  const edited = (change: (draft: ReturnType<typeof draftFromRound>) => void) => {
    const draft = draftFromRound(round);
    change(draft);
    const check = checkDraft(draft);
    if (!check.ok) throw new Error(JSON.stringify(check.issues));
    return check.round;
  };

  it("is null when nothing changed", () => {
    expect(
      patchFor(
        round,
        edited(() => {}),
      ),
    ).toBeNull();
  });

  it("sends only what changed, so visibility stays editable on a round with ballots", () => {
    expect(
      patchFor(
        round,
        edited((d) => Object.assign(d, { title: "New", screenVisibility: "afterClose" })),
      ),
    ).toEqual({
      title: "New",
      rules: { screenVisibility: "afterClose" },
    });
  });

  it("sends the whole option list when an option changed, keeping ids", () => {
    const patch = patchFor(
      round,
      edited((d) => {
        d.options[1] = { ...(d.options[1] as (typeof d.options)[number]), title: "Deux" };
      }),
    );
    expect(patch?.options?.map((option) => [option.id, option.title])).toEqual([
      ["1", "One"],
      ["2", "Deux"],
    ]);
  });
});

describe("local date-time inputs", () => {
  it("round-trip an instant and treat empty as no limit", () => {
    const iso = "2026-11-27T09:30:00.000Z";
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(fromLocalInput("")).toBeNull();
    expect(toLocalInput(null)).toBe("");
  });
});
