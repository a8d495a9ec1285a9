import type { Challenge, ChallengeSolution } from "@lb/common";
import { describe, expect, it } from "vitest";
import { ApiRequestError } from "../../lib/api";
import { withChallenge } from "./security-check";

const challenge = (n: number): Challenge => ({
  algorithm: "SHA-256",
  challenge: `c${n}`,
  maxnumber: 10,
  salt: "s",
  signature: `sig${n}`,
});
const required = (n: number) => new ApiRequestError(428, "CHALLENGE_REQUIRED", "solve", challenge(n));
const solve = async (c: Challenge): Promise<ChallengeSolution> => ({ ...c, number: 7, maxnumber: undefined }) as never;

/** A server stand-in answering each send with the next scripted outcome, recording what it was sent. */
function server(outcomes: (string | Error)[]) {
  const sent: (ChallengeSolution | undefined)[] = [];
  const send = async (solution: ChallengeSolution | undefined) => {
    sent.push(solution);
    const next = outcomes.shift();
    if (next instanceof Error) throw next;
    return next ?? "ok";
  };
  return { sent, send };
}

describe("withChallenge", () => {
  it("sends once when no challenge is asked for", async () => {
    const { sent, send } = server(["ok"]);
    await expect(withChallenge(send, solve)).resolves.toBe("ok");
    expect(sent).toEqual([undefined]);
  });

  it("solves a 428's challenge and sends the same request again with the solution", async () => {
    const { sent, send } = server([required(1), "ok"]);
    await expect(withChallenge(send, solve)).resolves.toBe("ok");
    expect(sent.map((solution) => solution?.signature)).toEqual([undefined, "sig1"]);
  });

  it("starts over without the solution when it is refused (expired while a slow phone worked)", async () => {
    const { sent, send } = server([
      required(1),
      new ApiRequestError(403, "CHALLENGE_FAILED", "old"),
      required(2),
      "ok",
    ]);
    await expect(withChallenge(send, solve)).resolves.toBe("ok");
    expect(sent.map((solution) => solution?.signature)).toEqual([undefined, "sig1", undefined, "sig2"]);
  });

  it("gives up after a few challenges in a row, and passes other errors through", async () => {
    const endless = server([required(1), required(2), required(3), required(4), required(5)]);
    await expect(withChallenge(endless.send, solve)).rejects.toMatchObject({ code: "CHALLENGE_REQUIRED" });
    expect(endless.sent).toHaveLength(4);
    const refused = server([new ApiRequestError(403, "NETWORK_NOT_ALLOWED", "venue only")]);
    await expect(withChallenge(refused.send, solve)).rejects.toMatchObject({ code: "NETWORK_NOT_ALLOWED" });
  });
});
