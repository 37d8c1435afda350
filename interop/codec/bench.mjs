// bench.mjs: times the npm parsers on the packets of
// codec/testdata/bench-packets.json, the same packets the Go codec
// benchmarks use (go test -bench JSON ./codec/socketio), and prints
// packets per CPU second (per core) and per wall second for each operation.
//
//   node interop/codec/bench.mjs [--seconds 1] [--json]
//
// Operations, per packet:
//   eio encode / decode      engine.io-parser encodePacket / decodePacket of the
//                            Socket.IO text message (a WebSocket frame)
//   sio encode               socket.io-parser Encoder.encode (JSON.stringify included)
//   sio decode               socket.io-parser Decoder.add of the text message and its
//                            attachments (JSON.parse and reconstruction included)
//   msgpack encode / decode  socket.io-msgpack-parser Encoder.encode / Decoder.add
//                            (binary inline, no attachments)

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as eio from "engine.io-parser";
import { Encoder, Decoder } from "socket.io-parser";

const require = createRequire(import.meta.url);
const msgpack = require("socket.io-msgpack-parser");

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1]) || 1;
const asJSON = args.includes("--json");

const file = new URL("../../codec/testdata/bench-packets.json", import.meta.url);
const { packets } = JSON.parse(readFileSync(file, "utf8"));

// fill replaces placeholders by the attachment buffers: the data as a JS app holds it.
function fill(x, buffers) {
  if (x === null || typeof x !== "object") return x;
  if (Array.isArray(x)) return x.map((e) => fill(e, buffers));
  if (x._placeholder === true) return buffers[x.num];
  const o = {};
  for (const k of Object.keys(x)) o[k] = fill(x[k], buffers);
  return o;
}

// time runs fn in batches until `seconds` of CPU time have passed (after a
// warm-up) and returns calls per CPU second and per wall second. CPU time
// (process.cpuUsage, all threads) gives packets/s per core even on a shared
// machine; the Go benchmarks report the same "packets/cpu-s".
function time(fn) {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  for (const end = cpu() + 0.2; cpu() < end; ) for (let i = 0; i < 100; i++) fn();
  let n = 0;
  const cpu0 = cpu();
  const wall0 = process.hrtime.bigint();
  let c = cpu0;
  while (c - cpu0 < seconds) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    c = cpu();
  }
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  return { cpu: n / (c - cpu0), wall: n / wall };
}

const results = [];
for (const bp of packets) {
  const buffers = (bp.attachments || []).map((a) => Buffer.from(a, "base64"));
  const data = fill(JSON.parse(bp.json), buffers);
  const packet = { type: bp.type, nsp: bp.nsp, data };
  if (bp.id !== undefined) packet.id = bp.id;

  const sioMsgs = new Encoder().encode(packet);
  const text = sioMsgs[0];
  const mpMsg = new msgpack.Encoder().encode(packet)[0];
  let sink = 0;

  const ops = {
    "eio encode": () => {
      eio.encodePacket({ type: "message", data: text }, true, (s) => (sink += s.length));
      for (let i = 1; i < sioMsgs.length; i++) eio.encodePacket({ type: "message", data: sioMsgs[i] }, true, (b) => (sink += b.length));
    },
    "eio decode": () => {
      sink += eio.decodePacket("4" + text).type.length;
      for (let i = 1; i < sioMsgs.length; i++) sink += eio.decodePacket(sioMsgs[i]).type.length;
    },
    "sio encode": () => {
      sink += new Encoder().encode(packet).length;
    },
    "sio decode": () => {
      const d = new Decoder();
      d.on("decoded", (p) => (sink += p.type));
      for (const m of sioMsgs) d.add(m);
    },
    "msgpack encode": () => {
      sink += new msgpack.Encoder().encode(packet)[0].length;
    },
    "msgpack decode": () => {
      const d = new msgpack.Decoder();
      d.on("decoded", (p) => (sink += p.type));
      d.add(mpMsg);
    },
  };
  for (const [op, fn] of Object.entries(ops)) {
    const t = time(fn);
    results.push({ packet: bp.name, op, packetsPerCPUSec: Math.round(t.cpu), packetsPerSec: Math.round(t.wall) });
  }
  if (sink === 0.5) console.log(sink); // keep the work observable
}

if (asJSON) {
  console.log(JSON.stringify({ node: process.version, results }, null, 2));
} else {
  console.log(`npm parsers, node ${process.version}, ${seconds} CPU-s per operation`);
  console.log("packet".padEnd(14) + "operation".padEnd(16) + "packets/cpu-s".padStart(14) + "packets/s".padStart(14));
  const fmt = (n) => n.toLocaleString("en-US").padStart(14);
  for (const r of results) {
    console.log(r.packet.padEnd(14) + r.op.padEnd(16) + fmt(r.packetsPerCPUSec) + fmt(r.packetsPerSec));
  }
}
