// A refimpl candidate-protocol driver (version 1) for a JavaScript threshold; docs/conformance.md has the grammar.
//   refimpl check threshold --exec "node threshold_driver.mjs"
// One JSON object per line on stdin, one answer per line on stdout. Floats travel as hex strings, which
// JavaScript can neither parse nor print by itself: fromHex and toHex below do both exactly.
import { createInterface } from "node:readline";

function threshold(w, eps) { // the implementation under test: w_hat_i = w_i if |w_i| > eps, 0 otherwise
  return w.map((x) => (Math.abs(x) > eps ? x : 0));
}

// "0x1.8000000000000p-1" -> 0.75: the hex digits form an integer m < 2^53, the value is m * 2^e, both exact.
function fromHex(s) {
  const match = /^(-?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?p([+-]\d+)$/i.exec(s);
  if (!match) throw new Error(`not a hex float: ${s}`);
  const [, sign, whole, frac = "", exp] = match;
  const value = Number(BigInt("0x" + whole + frac)) * 2 ** (Number(exp) - 4 * frac.length);
  return sign ? -value : value;
}

// 0.75 -> "0x1.8000000000000p-1", from the IEEE 754 bits (the sign of -0 kept; subnormals as 0x0.<frac>p-1022).
function toHex(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? "-" : "";
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = (bits & 0xfffffffffffffn).toString(16).padStart(13, "0");
  return exp === 0 ? `${sign}0x0.${frac}p-1022` : `${sign}0x1.${frac}p${exp >= 1023 ? "+" : ""}${exp - 1023}`;
}

const say = (message) => process.stdout.write(JSON.stringify(message) + "\n");
let shaken = false;
for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line);
  if (!shaken) { // 1. the handshake
    shaken = true;
    say(message.op === "threshold" ? { protocol: "refimpl-candidate", version: 1, op: "threshold" }
      : { error: "this driver implements threshold only" });
    continue;
  }
  try { // 2. one answer per case
    const { w, eps } = message.inputs;
    const out = threshold(w.hex.map(fromHex), fromHex(eps.hex));
    say({ case: message.case, result: { dtype: "float64", shape: w.shape, hex: out.map(toHex) } });
  } catch (error) {
    say({ case: message.case, error: String(error) });
  }
} // 3. the checker closed stdin: the loop ends and node exits
