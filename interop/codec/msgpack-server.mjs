// msgpack-server.mjs: runs a real socket.io 4.8 server and socket.io-client,
// both with socket.io-msgpack-parser, on 127.0.0.1, drives a fixed scenario
// and prints every Socket.IO message each side put on the wire, one JSON
// line each: {"name":"...","dir":"s2c"|"c2s","b64":"..."}. The Go tests
// use it to learn the key order and bytes the official peers really emit.
// Exits by itself (non-zero after 10 s if the scenario stalls).
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { Server } from "socket.io";
import { io as ioc } from "socket.io-client";

const require = createRequire(import.meta.url);
const parser = require("socket.io-msgpack-parser");

const watchdog = setTimeout(() => {
  console.error("msgpack-server: scenario timed out");
  process.exit(2);
}, 10000);

let label = "init";
const out = [];
function record(dir, p) {
  if (p.type !== "message" || typeof p.data === "string") return;
  out.push({ name: label, dir, b64: Buffer.from(p.data).toString("base64") });
}

const http = createServer();
const io = new Server(http, { parser, transports: ["websocket"] });
io.engine.on("connection", (raw) => raw.on("packetCreate", (p) => record("s2c", p)));
io.of("/err").use((socket, next) => {
  const err = new Error("nope");
  err.data = { code: 42 };
  next(err);
});
io.of("/admin").on("connection", () => {});

const serverSockets = new Map();
io.on("connection", (socket) => {
  serverSockets.set(socket.id, socket);
  socket.on("ping", () => {});
  socket.on("q", (a, cb) => cb("pong", 2, { ok: true }));
});
await new Promise((r) => http.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${http.address().port}`;

function step(name) {
  label = name;
}
const tick = () => new Promise((r) => setTimeout(r, 30));

const manager = ioc(url, { parser, transports: ["websocket"], autoConnect: false }).io;
manager.on("open", () => manager.engine.on("packetCreate", (p) => record("c2s", p)));

step("connect-main");
const main = manager.socket("/");
main.connect();
await new Promise((r) => main.once("connect", r));
await tick();
const s = [...serverSockets.values()][0];

step("connect-auth");
const admin = manager.socket("/admin", { auth: { token: "t0k", n: 1 } });
admin.connect();
await new Promise((r) => admin.once("connect", r));
await tick();

step("server-emit");
s.emit("hello", "world", 1, 2.5, -3, null, [true, false]);
await tick();

step("server-emit-binary");
s.emit("bin", Buffer.from([1, 2, 3]), { nested: Buffer.from("hi") });
await tick();

step("server-emit-ack");
main.once("ask", (n, cb) => {
  step("client-ack");
  cb("fine", n + 1);
});
await new Promise((r) => s.emit("ask", 5, () => r()));
await tick();

step("client-emit");
main.emit("ping", { a: 1, b: "two" });
await tick();

step("client-emit-ack");
await new Promise((r) =>
  main.emit("q", "x", () => {
    r();
  }),
);
await tick();

step("broadcast");
io.emit("bcast", "all", 7);
await tick();

step("broadcast-ack");
main.once("bq", (cb) => cb("a"));
await new Promise((r) => io.timeout(2000).emit("bq", () => r()));
await tick();

step("connect-error-middleware");
const bad = manager.socket("/err");
bad.connect();
await new Promise((r) => bad.once("connect_error", r));
await tick();

step("connect-error-namespace");
const none = manager.socket("/nope");
none.connect();
await new Promise((r) => none.once("connect_error", r));
await tick();

step("server-disconnect");
const adminServer = [...io.of("/admin").sockets.values()][0];
adminServer.disconnect();
await tick();

step("client-disconnect");
main.disconnect();
await tick();

for (const o of out) process.stdout.write(JSON.stringify(o) + "\n");
clearTimeout(watchdog);
manager.engine?.close();
io.close();
http.close();
process.exit(0);
