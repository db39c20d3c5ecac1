// xmlText: text XML can hold passes through (escaped), paired surrogates (an emoji) included; a lone
// surrogate, U+FFFE/U+FFFF and the C0 controls but tab, CR and LF are dropped, wherever they stand.

import { describe, expect, it } from "vitest";
import { xmlText } from "./feeds.ts";

describe("xmlText", () => {
  it("keeps text XML can hold, an emoji's surrogate pair included, escaped", () => {
    expect(xmlText("plain text, tab\tand lines\r\n")).toBe("plain text, tab\tand lines\r\n");
    expect(xmlText("rocket \ud83d\ude80 & <go>")).toBe("rocket \ud83d\ude80 &amp; &lt;go&gt;");
  });

  it("drops lone surrogates, U+FFFE/U+FFFF and C0 controls, also beside a kept pair", () => {
    expect(xmlText("a\ud800b\udc00c")).toBe("abc");
    expect(xmlText("\u0000x\u001f\ufffe\uffff")).toBe("x");
    expect(xmlText("\ud83d\ude80\u0007\udc00")).toBe("\ud83d\ude80");
  });
});
