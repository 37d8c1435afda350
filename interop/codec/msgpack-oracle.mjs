// msgpack-oracle.mjs: a long-lived oracle around the npm socket.io-msgpack-parser
// (and the notepack.io it depends on) for the Go msgpack codec tests.
//
// Protocol: one JSON request per line on stdin, one JSON reply per line on
// stdout, in order. Bytes travel as base64.
//
//   {"op":"encode","packet":T}   → {"ok":true,"b64":"..."}  Encoder.encode(fromTagged(T))
//   {"op":"decode","b64":"..."}  → {"ok":true,"packet":C} | {"ok":false,"error":"..."}
//   {"op":"reencode","b64":"..."}→ decode, then encode the decoded object again
//   {"op":"value","b64":"..."}   → notepack.decode of one bare value, canonical
//
// T ("tagged JSON") describes a JS value JSON cannot: {"$u":1} undefined,
// {"$buf":b64} Buffer, {"$ab":b64} ArrayBuffer, {"$u8":b64} Uint8Array,
// {"$date":ms} Date, {"$num":"NaN"|"Infinity"|"-Infinity"|"-0"|"<decimal>"}.
// Other objects keep their key order (as JS objects do).
//
// C ("canonical JSON") is how the tests compare a decoded packet across
// languages: undefined → null, every binary (Buffer, ArrayBuffer, typed
// array) → {"$bin":b64}, Date → {"$date":ms}, non-finite numbers and -0 →
// {"$num":...}; for an EVENT a numeric event name becomes String(name).
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const parser = require("socket.io-msgpack-parser");
// The parser's own notepack.io (resolved from the parser's folder, so a nested
// copy wins over a hoisted one).
const notepack = require(require.resolve("notepack.io", { paths: [require.resolve("socket.io-msgpack-parser")] }));

function fromTagged(v) {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(fromTagged);
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const k = keys[0];
    const x = v[k];
    switch (k) {
      case "$u":
        return undefined;
      case "$buf":
        return Buffer.from(x, "base64");
      case "$ab": {
        const b = Buffer.from(x, "base64");
        const ab = new ArrayBuffer(b.length);
        new Uint8Array(ab).set(b);
        return ab;
      }
      case "$u8": {
        const b = Buffer.from(x, "base64");
        const u = new Uint8Array(b.length);
        u.set(b);
        return u;
      }
      case "$date":
        return new Date(x);
      case "$num":
        return x === "-0" ? -0 : Number(x);
    }
  }
  const out = {};
  for (const k of keys) out[k] = fromTagged(v[k]);
  return out;
}

function canonical(v) {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case "number":
      if (!Number.isFinite(v)) return { $num: String(v) };
      if (Object.is(v, -0)) return { $num: "-0" };
      return v;
    case "string":
    case "boolean":
      return v;
  }
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("base64") };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (v instanceof Date) return { $date: v.getTime() };
  if (Array.isArray(v)) return v.map(canonical);
  const out = {};
  for (const k of Object.keys(v)) out[k] = canonical(v[k]);
  return out;
}

function canonicalPacket(p) {
  const out = { type: p.type, nsp: p.nsp };
  if (p.data !== undefined) {
    out.data = canonical(p.data);
    if (p.type === 2 && Array.isArray(p.data) && typeof p.data[0] === "number") out.data[0] = String(p.data[0]);
  }
  if (p.id !== undefined) out.id = p.id;
  return out;
}

function decode(buf) {
  const d = new parser.Decoder();
  let got;
  d.on("decoded", (p) => (got = p));
  d.add(buf);
  return got;
}

function handle(req) {
  switch (req.op) {
    case "encode": {
      const out = new parser.Encoder().encode(fromTagged(req.packet));
      if (out.length !== 1) throw new Error(`encoder returned ${out.length} buffers`);
      return { ok: true, b64: Buffer.from(out[0]).toString("base64") };
    }
    case "decode":
      return { ok: true, packet: canonicalPacket(decode(Buffer.from(req.b64, "base64"))) };
    case "reencode": {
      const p = decode(Buffer.from(req.b64, "base64"));
      return { ok: true, b64: Buffer.from(new parser.Encoder().encode(p)[0]).toString("base64") };
    }
    case "value":
      return { ok: true, value: canonical(notepack.decode(Buffer.from(req.b64, "base64"))) };
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  let reply;
  try {
    reply = handle(JSON.parse(line));
  } catch (e) {
    reply = { ok: false, error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
