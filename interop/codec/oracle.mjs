// oracle.mjs: the npm engine.io-parser and socket.io-parser behind a JSON
// lines protocol, for the Go cross-check test (codec/socketio/crosscheck_test.go).
//
// One request per stdin line: {"id":N,"op":"...",...}; one reply per stdout
// line: {"id":N,"ok":true,"result":...} or {"id":N,"ok":false,"error":"..."}.
// Binary values travel as {"$b":"<base64>"}; Engine.IO / Socket.IO messages
// as {"t":"<text>"} or {"b":"<base64>"}. The process exits when stdin closes.
//
// Ops:
//   eio.encodePacket  {packet:{type,data?}, supportsBinary} -> message
//   eio.decodePacket  {msg}                                 -> packet {type,data?}
//   eio.encodePayload {packets:[...]}                       -> string
//   eio.decodePayload {payload:string}                      -> [packet...]
//   sio.encode        {packet:{type,nsp,id?,json?,attachments?}} -> [message...]
//                     (data = JSON.parse(json) with each {"_placeholder":true,"num":N}
//                     replaced by Buffer attachments[N], as a JS app would hold it)
//   sio.decode        {msgs:[message...], maxAttachments?}  -> {packets:[view...], error?, errorAt?, pending}
//   sio.decodeMany    {cases:[[message...]...]}             -> [sio.decode result...]
// A Socket.IO packet view is {type, nsp, id?: String(id), name?, args?, data?}:
// EVENT has name (String of the first element) and args (the rest), ACK has
// args, the others data.

import { createInterface } from "node:readline";
import * as eio from "engine.io-parser";
import { Encoder, Decoder } from "socket.io-parser";

const isBin = (x) => x instanceof ArrayBuffer || ArrayBuffer.isView(x);
const b64 = (x) => (x instanceof ArrayBuffer ? Buffer.from(x) : Buffer.from(x.buffer, x.byteOffset, x.byteLength)).toString("base64");

// tag replaces binary values by {"$b": base64}, recursively.
function tag(x) {
  if (x === undefined) return null;
  if (x === null || typeof x !== "object") return x;
  if (isBin(x)) return { $b: b64(x) };
  if (Array.isArray(x)) return x.map(tag);
  const o = {};
  for (const k of Object.keys(x)) o[k] = tag(x[k]);
  return o;
}

// fill replaces placeholder objects by the buffers they name, recursively.
function fill(x, buffers) {
  if (x === null || typeof x !== "object") return x;
  if (Array.isArray(x)) return x.map((e) => fill(e, buffers));
  if (x._placeholder === true) return buffers[x.num];
  const o = {};
  for (const k of Object.keys(x)) o[k] = fill(x[k], buffers);
  return o;
}

const msgIn = (m) => ("b" in m ? Buffer.from(m.b, "base64") : m.t);
const msgOut = (m) => (typeof m === "string" ? { t: m } : { b: b64(m) });

function eioPacketOut(p) {
  const o = { type: p.type };
  if (p.data !== undefined) o.data = typeof p.data === "string" ? p.data : { $b: b64(p.data) };
  return o;
}

function eioPacketIn(p) {
  const o = { type: p.type };
  if (p.data !== undefined && p.data !== null) o.data = typeof p.data === "string" ? p.data : Buffer.from(p.data.$b, "base64");
  return o;
}

function sioView(p) {
  const v = { type: p.type, nsp: p.nsp };
  if (p.id !== undefined) v.id = String(p.id);
  if (p.type === 2 || p.type === 5) {
    if (p.data !== undefined) {
      v.name = String(p.data[0]);
      v.args = tag(p.data.slice(1));
    }
  } else if (p.type === 3 || p.type === 6) {
    if (p.data !== undefined) v.args = tag(p.data);
  } else if (p.data !== undefined) {
    v.data = tag(p.data);
  }
  return v;
}

const ops = {
  "eio.encodePacket"(req) {
    let out;
    eio.encodePacket(eioPacketIn(req.packet), !!req.supportsBinary, (m) => (out = m));
    return msgOut(out);
  },
  "eio.decodePacket"(req) {
    return eioPacketOut(eio.decodePacket(msgIn(req.msg), "nodebuffer"));
  },
  "eio.encodePayload"(req) {
    let out;
    eio.encodePayload(req.packets.map(eioPacketIn), (s) => (out = s));
    return out;
  },
  "eio.decodePayload"(req) {
    return eio.decodePayload(req.payload, "nodebuffer").map(eioPacketOut);
  },
  "sio.encode"(req) {
    const p = { type: req.packet.type, nsp: req.packet.nsp };
    if (req.packet.id !== undefined) p.id = req.packet.id;
    if (req.packet.json !== undefined) {
      const buffers = (req.packet.attachments || []).map((a) => Buffer.from(a, "base64"));
      p.data = JSON.parse(req.packet.json);
      if (buffers.length > 0) p.data = fill(p.data, buffers);
    }
    return new Encoder().encode(p).map(msgOut);
  },
  "sio.decodeMany"(req) {
    return req.cases.map((msgs) => ops["sio.decode"]({ msgs }));
  },
  "sio.decode"(req) {
    const opts = req.maxAttachments ? { maxAttachments: req.maxAttachments } : {};
    const d = new Decoder(opts);
    const packets = [];
    d.on("decoded", (p) => {
      // A view that cannot be built (e.g. nesting too deep for tag) must not
      // read as a parser error.
      try {
        packets.push(sioView(p));
      } catch (e) {
        packets.push({ type: -1, nsp: "", viewError: String(e && e.message) });
      }
    });
    for (let i = 0; i < req.msgs.length; i++) {
      const m = req.msgs[i];
      try {
        // An empty Engine.IO message reaches the parser as undefined.
        d.add("t" in m && m.t === "" ? undefined : msgIn(m));
      } catch (e) {
        return { packets, error: String(e && e.message), errorAt: i };
      }
    }
    return { packets, pending: !!d.reconstructor };
  },
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  let req;
  try {
    req = JSON.parse(line);
    const fn = ops[req.op];
    if (!fn) throw new Error("unknown op " + req.op);
    process.stdout.write(JSON.stringify({ id: req.id, ok: true, result: fn(req) }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: req && req.id, ok: false, error: String(e && e.stack) }) + "\n");
  }
});
rl.on("close", () => process.exit(0));
