import { describe, expectTypeOf, it } from "vitest";
import type { Ack, BoardJoinAck, ClientToServerEvents, ServerToClientEvents } from "./events.js";
import type { BoardJoin, LeaderboardUpdate, RoundResetNotice, RoundSummary } from "./schemas.js";
import type { EventJoin, EventLeave, EventView } from "./show-events.js";

// Type tests: `npm run typecheck` compiles this file, so a change to an event's name or payload that the
// client and server would disagree on fails the build. At run time the assertions do nothing.
describe("Socket.IO event maps", () => {
  it("client commands are imperative and board:join acks with a snapshot or an error", () => {
    expectTypeOf<keyof ClientToServerEvents>().toEqualTypeOf<
      "board:join" | "board:leave" | "event:join" | "event:leave"
    >();
    expectTypeOf<Parameters<ClientToServerEvents["board:join"]>[0]>().toEqualTypeOf<BoardJoin>();
    expectTypeOf<Parameters<Parameters<ClientToServerEvents["board:join"]>[1]>[0]>().toEqualTypeOf<BoardJoinAck>();
  });

  it("server notices are past tense with their payloads", () => {
    expectTypeOf<keyof ServerToClientEvents>().toEqualTypeOf<
      "leaderboard:updated" | "round:updated" | "round:reset" | "event:updated"
    >();
    expectTypeOf<Parameters<ServerToClientEvents["leaderboard:updated"]>[0]>().toEqualTypeOf<LeaderboardUpdate>();
    expectTypeOf<Parameters<ServerToClientEvents["round:updated"]>[0]>().toEqualTypeOf<RoundSummary>();
    expectTypeOf<Parameters<ServerToClientEvents["round:reset"]>[0]>().toEqualTypeOf<RoundResetNotice>();
  });

  it("events of many rounds: event:join acks with the event's view, event:updated carries it", () => {
    expectTypeOf<Parameters<ClientToServerEvents["event:join"]>[0]>().toEqualTypeOf<EventJoin>();
    expectTypeOf<Parameters<Parameters<ClientToServerEvents["event:join"]>[1]>[0]>().toEqualTypeOf<Ack<EventView>>();
    expectTypeOf<Parameters<ClientToServerEvents["event:leave"]>[0]>().toEqualTypeOf<EventLeave>();
    expectTypeOf<Parameters<ServerToClientEvents["event:updated"]>[0]>().toEqualTypeOf<EventView>();
  });
});
