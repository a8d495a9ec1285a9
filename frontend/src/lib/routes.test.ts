import { describe, expect, it } from "vitest";
import { matchRoute, pageKey, paths } from "./routes";

describe("matchRoute", () => {
  it("maps each page's path", () => {
    expect(matchRoute("/")).toEqual({ page: "home" });
    expect(matchRoute("/admin")).toEqual({ page: "admin" });
    expect(matchRoute("/r/qingdao-2021")).toEqual({ page: "vote", roundId: "qingdao-2021" });
    expect(matchRoute("/r/qingdao-2021/board")).toEqual({ page: "board", roundId: "qingdao-2021" });
    expect(matchRoute("/r/qingdao-2021/screen")).toEqual({ page: "screen", roundId: "qingdao-2021" });
  });

  it("maps the console's rounds and tabs", () => {
    expect(matchRoute("/admin/r/qingdao-2021")).toEqual({ page: "admin", roundId: "qingdao-2021", tab: "live" });
    expect(matchRoute("/admin/r/qingdao-2021/results")).toEqual({
      page: "admin",
      roundId: "qingdao-2021",
      tab: "results",
    });
    expect(matchRoute(paths.remote("a-1"))).toEqual({ page: "admin", roundId: "a-1", tab: "remote" });
    expect(matchRoute(paths.adminRound("a-1", "share"))).toEqual({ page: "admin", roundId: "a-1", tab: "share" });
    expect(paths.adminRound("a-1")).toBe("/admin/r/a-1/live");
  });

  it("keeps the console's state across its rounds and tabs only", () => {
    const key = (path: string) => pageKey(matchRoute(path), path);
    expect(key("/admin")).toBe(key("/admin/r/a/live"));
    expect(key("/admin/r/a/live")).toBe(key("/admin/r/b/share"));
    expect(key("/r/a")).not.toBe(key("/r/b"));
  });

  it("tolerates a trailing slash", () => {
    expect(matchRoute("/r/a/")).toEqual({ page: "vote", roundId: "a" });
    expect(matchRoute("/admin/")).toEqual({ page: "admin" });
  });

  it("sends anything else, including malformed escapes, to not found", () => {
    for (const path of [
      "/r",
      "/r/a/b",
      "/r/a/board/x",
      "/admin/x",
      "/admin/r",
      "/admin/r/a/live/x",
      "/admin/r/a/Live",
      "/other",
      "/r/%E0%A4%A",
    ]) {
      expect(matchRoute(path), path).toEqual({ page: "notFound" });
    }
  });

  it("round-trips the paths it builds", () => {
    expect(matchRoute(paths.vote("a-1"))).toEqual({ page: "vote", roundId: "a-1" });
    expect(matchRoute(paths.board("a-1"))).toEqual({ page: "board", roundId: "a-1" });
    expect(matchRoute(paths.admin())).toEqual({ page: "admin" });
    expect(paths.screen("a-1", "k/1")).toBe("/r/a-1/screen?key=k%2F1");
    expect(matchRoute(paths.home())).toEqual({ page: "home" });
  });

  it("maps an event's phone page and screen, and round-trips their paths", () => {
    expect(matchRoute("/e/finals")).toEqual({ page: "event", eventId: "finals" });
    expect(matchRoute("/e/finals/screen")).toEqual({ page: "eventScreen", eventId: "finals" });
    expect(matchRoute("/e/finals/board")).toEqual({ page: "notFound" });
    expect(matchRoute("/e")).toEqual({ page: "notFound" });
    expect(matchRoute(paths.event("f-1"))).toEqual({ page: "event", eventId: "f-1" });
    expect(paths.eventScreen("f-1", "k/1")).toBe("/e/f-1/screen?key=k%2F1");
  });
});
