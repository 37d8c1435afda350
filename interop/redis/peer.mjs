// A Node peer for the Go Redis adapter tests (runtime/adapter/redis): one
// socket.io 4.8 server using @socket.io/redis-adapter 8.3 (classic
// createAdapter, node-redis 4) plus any number of official socket.io-client
// clients, driven by JSON lines on stdin, one JSON line answered on stdout
// per command.
//
// Values cross the pipe as JSON; {"$bin": "<base64>"} stands for a Buffer
// in both directions. Events received by clients are recorded as
// `name [args]`, args as sorted-key JSON with binary as base64 strings, the
// same text the Go test prints for its own clients (except "ordered" events,
// printed with their keys in arrival order).
//
// Commands ({"op": ...}):
//   start {redis, key, sharded?, subscriptionMode?} -> {port}
//                                        (sharded: createShardedAdapter with
//                                        channelPrefix key, Redis 7 sharded Pub/Sub)
//   connect {name, url, parser?}         -> {id}        (client, websocket only)
//   clientEmitAck {name, event, args}    -> {ack}
//   events {name}                        -> {events}    (up to and including "fence []")
//   emit {rooms, except, local, event, args}
//   emitWithAck {rooms, except, event, args} -> {responses}
//   fetch {rooms, except}                -> {sockets}
//   socketsJoin / socketsLeave {rooms, except, target}
//   disconnectSockets {rooms, except, close}
//   serverSideEmit {event, args} ; serverSideEmitWithAck {event, args} -> {responses}
//   serverSideEvents                     -> {events}    (received so far, then cleared)
//   serverCount                          -> {count}
//   shardNumSub {channel}                -> {count}     (PUBSUB SHARDNUMSUB)
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { io as ioc } from "socket.io-client";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";

const fromJSON = (v) => {
  if (Array.isArray(v)) return v.map(fromJSON);
  if (v && typeof v === "object") {
    if (typeof v.$bin === "string" && Object.keys(v).length === 1) return Buffer.from(v.$bin, "base64");
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, fromJSON(e)]));
  }
  return v;
};

// toPlain turns binary into base64 strings and sorts object keys.
const toPlain = (v) => {
  if (Buffer.isBuffer(v)) return v.toString("base64");
  if (v instanceof ArrayBuffer) return Buffer.from(v).toString("base64");
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Date) return v.toISOString();
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = toPlain(v[k]);
    return out;
  }
  return v === undefined ? null : v;
};

let io, httpServer, pub, sub;
const clients = new Map(); // name -> {socket, events: [], waiters: []}
const sseEvents = [];

const select = (cmd) => {
  let op = io;
  if (cmd.rooms?.length) op = op.to(cmd.rooms);
  if (cmd.except?.length) op = op.except(cmd.except);
  if (cmd.local) op = op.local;
  return op;
};

const record = (c, line) => {
  c.events.push(line);
  for (const w of c.waiters.splice(0)) w();
};

const commands = {
  async start({ redis, key, sharded, subscriptionMode }) {
    pub = createClient({ url: redis });
    sub = pub.duplicate();
    pub.on("error", (e) => console.error("redis pub:", e.message));
    sub.on("error", (e) => console.error("redis sub:", e.message));
    await Promise.all([pub.connect(), sub.connect()]);
    httpServer = createServer();
    const adapter = sharded
      ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: subscriptionMode ?? "dynamic" })
      : createAdapter(pub, sub, { key });
    io = new Server(httpServer, { adapter });
    io.on("connection", (s) => {
      s.data = { name: s.handshake.auth.name, node: "node" };
      s.on("join", (rooms, cb) => {
        s.join(rooms);
        cb("ok");
      });
    });
    io.on("hello", (...args) => {
      const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
      sseEvents.push(toPlain(args));
      if (cb) cb({ from: "node" });
    });
    await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
    // the adapter subscribes asynchronously: wait until it is counted
    while ((await io.of("/").adapter.serverCount()) < 1) await new Promise((r) => setTimeout(r, 10));
    return { port: httpServer.address().port };
  },
  async connect({ name, url }) {
    const socket = ioc(url, { auth: { name }, transports: ["websocket"], reconnection: false });
    const c = { socket, events: [], waiters: [] };
    clients.set(name, c);
    socket.onAny((event, ...args) => {
      if (typeof args[args.length - 1] === "function") args.pop()(name);
      // "ordered" events keep their object keys in arrival order (the
      // test checks the Redis adapter keeps it); others are sorted.
      record(c, `${event} ${JSON.stringify(event === "ordered" ? args : toPlain(args))}`);
    });
    socket.on("disconnect", (reason) => record(c, `disconnect ${reason}`));
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    return { id: socket.id };
  },
  async clientEmitAck({ name, event, args }) {
    const ack = await clients.get(name).socket.timeout(10000).emitWithAck(event, ...fromJSON(args ?? []));
    return { ack: toPlain(ack) };
  },
  async events({ name, until }) {
    const c = clients.get(name);
    const stop = until ?? "fence []";
    for (;;) {
      const i = c.events.indexOf(stop);
      if (i >= 0) return { events: c.events.splice(0, i + 1) };
      await new Promise((r) => c.waiters.push(r));
    }
  },
  emit(cmd) {
    select(cmd).emit(cmd.event, ...fromJSON(cmd.args ?? []));
    return {};
  },
  async emitWithAck(cmd) {
    const responses = await select(cmd).timeout(10000).emitWithAck(cmd.event, ...fromJSON(cmd.args ?? []));
    return { responses: toPlain(responses) };
  },
  async fetch(cmd) {
    const sockets = await select(cmd).fetchSockets();
    return {
      sockets: sockets.map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data, handshake: s.handshake })),
    };
  },
  socketsJoin(cmd) {
    select(cmd).socketsJoin(cmd.target);
    return {};
  },
  socketsLeave(cmd) {
    select(cmd).socketsLeave(cmd.target);
    return {};
  },
  disconnectSockets(cmd) {
    select(cmd).disconnectSockets(!!cmd.close);
    return {};
  },
  serverSideEmit({ event, args }) {
    io.serverSideEmit(event, ...fromJSON(args ?? []));
    return {};
  },
  async serverSideEmitWithAck({ event, args }) {
    const responses = await io.serverSideEmitWithAck(event, ...fromJSON(args ?? []));
    return { responses: toPlain(responses) };
  },
  serverSideEvents() {
    return { events: sseEvents.splice(0) };
  },
  async shardNumSub({ channel }) {
    const res = await pub.sendCommand(["PUBSUB", "SHARDNUMSUB", channel]);
    return { count: Number(res[1]) };
  },
  async serverCount() {
    return { count: await io.of("/").adapter.serverCount() };
  },
};

const rl = createInterface({ input: process.stdin });
let chain = Promise.resolve();
rl.on("line", (line) => {
  // one command at a time, answers in order
  chain = chain.then(async () => {
    let out;
    try {
      const cmd = JSON.parse(line);
      const fn = commands[cmd.op];
      if (!fn) throw new Error(`unknown op ${cmd.op}`);
      out = (await fn(cmd)) ?? {};
    } catch (e) {
      out = { error: String(e?.message ?? e) };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  });
});
rl.on("close", async () => {
  await chain;
  for (const c of clients.values()) c.socket.disconnect();
  if (io) {
    io.close();
    await Promise.allSettled([pub.quit(), sub.quit()]);
  }
  process.exit(0);
});
