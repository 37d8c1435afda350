// Socket.IO 4.8 test server (official npm socket.io) driven by the Go tests
// of runtime/client.
//
// Usage: node client/server.mjs '{"port":0,"transports":["polling","websocket"],
//          "parser":"json"|"msgpack","recovery":false,"pingInterval":25000,
//          "pingTimeout":20000,"dedupeFile":""}'
//
// Listens on 127.0.0.1 (opts.port, 0 = random) and prints one JSON line per
// event on stdout, the first being {"ev":"listening","port":N}. Exits when
// stdin closes, so it dies with the Go test that started it.
//
// Namespaces "/", "/chat" and "/auth" (middleware: handshake.auth.token must
// be "secret", else connect_error "not authorized" with data
// {code:4001,hint:"send token"}) all get these handlers:
//   echo(...args)            server emits "echo" with the same args back
//   ack(...args, cb)         cb(...args)
//   join(room, cb)           socket.join(room); cb(number of sockets in room)
//   say(room, text)          nsp.to(room).emit("message", {room, text, from})
//   ask(...args)             server emits "question" (...args) asking an ack;
//                            then emits "answer" with [ack args] or {error}
//   whoami(cb)               cb({id, auth, recovered, engine, transport, rooms})
//   noack(n, cb?)            logs {"ev":"noack","n":n}; never acks
//   flaky(n, cb)             logs {"ev":"flaky","n":n,"dup":bool}; acks only
//                            the second and later receipts of n
//   seq(n, cb)               logs {"ev":"seq","n":n,"dup":bool}; cb(n). With
//                            dedupeFile, ids already processed (also by an
//                            earlier process) are acked without processing.
// On connection a "welcome" event (socket id) is emitted unless recovered.
//
// Commands, one JSON object per stdin line:
//   {"cmd":"emit","nsp":"/","room":"r","event":"e","args":[...]}
//        args items {"$bin":"<base64>"} become Buffers; logs {"ev":"emitted"}
//   {"cmd":"cut","nsp":"/"}     socket.conn.close() for every socket of nsp
//   {"cmd":"disconnect","nsp":"/"}   socket.disconnect() (namespace only)
//   {"cmd":"stopPings"}         stop heartbeats on every connection right
//                               after its next ping; logs {"ev":"pingsStopped",
//                               "engine":id,"lastPing":ms epoch of that ping}
import http from "node:http";
import fs from "node:fs";
import readline from "node:readline";
import { createRequire } from "node:module";
import { Server } from "socket.io";

const require = createRequire(import.meta.url);
const opts = JSON.parse(process.argv[2] || "{}");

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

const seen = new Set();
if (opts.dedupeFile && fs.existsSync(opts.dedupeFile)) {
  for (const line of fs.readFileSync(opts.dedupeFile, "utf8").split("\n")) {
    if (line !== "") seen.add(line);
  }
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: opts.transports || ["polling", "websocket"],
  parser: opts.parser === "msgpack" ? require("socket.io-msgpack-parser") : undefined,
  pingInterval: opts.pingInterval ?? 25000,
  pingTimeout: opts.pingTimeout ?? 20000,
  connectionStateRecovery: opts.recovery
    ? { maxDisconnectionDuration: 60000, skipMiddlewares: true }
    : undefined,
});

// Heartbeat stop: after the next ping of a marked connection, no more pings
// are sent (and the server does not time the client out either).
const stopAfterNextPing = new Set();
io.engine.on("connection", (conn) => {
  conn.on("packetCreate", (p) => {
    if (p.type !== "ping" || !stopAfterNextPing.delete(conn.id)) return;
    const at = Date.now();
    // schedulePing arms pingTimeoutTimer right after sending: clear both on
    // the next turn; a pong still due re-arms pingIntervalTimer with
    // refresh(), made a no-op.
    setImmediate(() => {
      clearTimeout(conn.pingIntervalTimer);
      clearTimeout(conn.pingTimeoutTimer);
      conn.pingIntervalTimer = { refresh() {}, unref() {} };
      out({ ev: "pingsStopped", engine: conn.id, lastPing: at });
    });
  });
  conn.on("upgrade", (t) => out({ ev: "upgrade", engine: conn.id, transport: t.name }));
  conn.on("close", (reason) => out({ ev: "engineClose", engine: conn.id, reason }));
});

function setup(nsp) {
  nsp.on("connection", (socket) => {
    out({
      ev: "connection",
      nsp: nsp.name,
      id: socket.id,
      recovered: socket.recovered,
      auth: socket.handshake.auth,
      transport: socket.conn.transport.name,
    });
    if (!socket.recovered) socket.emit("welcome", socket.id);
    socket.on("echo", (...args) => socket.emit("echo", ...args));
    socket.on("ack", (...args) => {
      const cb = args.pop();
      cb(...args);
    });
    socket.on("join", (room, cb) => {
      socket.join(room);
      cb(nsp.adapter.rooms.get(room)?.size ?? 0);
    });
    socket.on("say", (room, text) => nsp.to(room).emit("message", { room, text, from: socket.id }));
    socket.on("ask", (...args) => {
      socket.timeout(5000).emit("question", ...args, (err, ...reply) => {
        socket.emit("answer", err ? { error: err.message } : reply);
      });
    });
    socket.on("whoami", (cb) =>
      cb({
        id: socket.id,
        auth: socket.handshake.auth,
        recovered: socket.recovered,
        engine: socket.conn.id,
        transport: socket.conn.transport.name,
        rooms: [...socket.rooms],
      }),
    );
    socket.on("seq", (n, cb) => {
      const key = String(n);
      const dup = seen.has(key);
      if (!dup) {
        seen.add(key);
        if (opts.dedupeFile) fs.appendFileSync(opts.dedupeFile, key + "\n");
      }
      out({ ev: "seq", n, dup });
      if (typeof cb === "function") cb(n);
    });
    socket.on("noack", (n) => out({ ev: "noack", n }));
    socket.on("flaky", (n, cb) => {
      const key = "flaky:" + n;
      const first = !seen.has(key);
      seen.add(key);
      out({ ev: "flaky", n, dup: !first });
      if (!first) cb(n);
    });
    socket.on("disconnect", (reason) => out({ ev: "disconnect", nsp: nsp.name, id: socket.id, reason }));
  });
}

io.of("/auth").use((socket, next) => {
  if (socket.handshake.auth?.token === "secret") return next();
  const err = new Error("not authorized");
  err.data = { code: 4001, hint: "send token" };
  next(err);
});
for (const name of ["/", "/chat", "/auth"]) setup(io.of(name));

function arg(a) {
  if (a && typeof a === "object" && typeof a.$bin === "string") return Buffer.from(a.$bin, "base64");
  return a;
}

function command(c) {
  const nsp = io.of(c.nsp || "/");
  switch (c.cmd) {
    case "emit": {
      let target = nsp;
      if (c.room) target = target.to(c.room);
      target.emit(c.event, ...(c.args || []).map(arg));
      out({ ev: "emitted", event: c.event, roomSize: c.room ? (nsp.adapter.rooms.get(c.room)?.size ?? 0) : nsp.sockets.size });
      break;
    }
    case "cut":
      for (const s of nsp.sockets.values()) s.conn.close();
      out({ ev: "cut", nsp: nsp.name });
      break;
    case "disconnect":
      for (const s of nsp.sockets.values()) s.disconnect();
      out({ ev: "disconnected", nsp: nsp.name });
      break;
    case "stopPings":
      for (const conn of Object.values(io.engine.clients)) stopAfterNextPing.add(conn.id);
      break;
    default:
      out({ ev: "error", message: "unknown command " + c.cmd });
  }
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "") return;
  try {
    command(JSON.parse(line));
  } catch (e) {
    out({ ev: "error", message: String(e) });
  }
});
process.stdin.on("end", () => process.exit(0));

httpServer.listen(opts.port || 0, "127.0.0.1", () => {
  out({ ev: "listening", port: httpServer.address().port });
});
