import { describe, expect, it } from "vitest";
import { visible, visibleLines } from "./terminal.ts";

describe("visible", () => {
  it("leaves ordinary text alone", () => {
    expect(visible("io.github.user/weather 1.0.0 — ünïcode")).toBe("io.github.user/weather 1.0.0 — ünïcode");
  });
  it("renders ESC, OSC 52 and cursor movement visibly", () => {
    const osc52 = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";
    expect(visible(`a${osc52}b\u001b[2Ac`)).toBe("a\\e]52;c;ZWNobyBwd25lZA==\\x07b\\e[2Ac");
  });
  it("renders C1, DEL, newlines, bidi overrides and zero-width characters", () => {
    expect(visible("x\u009b\u007f\ny\u202e1.0\u200d")).toBe("x\\x9b\\x7f\\ny\\u{202e}1.0\\u{200d}");
  });
  it("visibleLines keeps line feeds but not carriage returns", () => {
    expect(visibleLines("one\ntwo\r\u001b[K")).toBe("one\ntwo\\r\\e[K");
  });
});
