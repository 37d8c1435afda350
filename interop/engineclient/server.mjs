// Echo server on the official npm engine.io package, driven by the Go tests
// of runtime/engineclient.
//
// Usage: node engineclient/server.mjs '{"transports":["polling","websocket"],
//          "pingInterval":300,"pingTimeout":200,"path":"/socket.io/",
//          "cookie":{"name":"io"}}'   (every key optional)
//
// Listens on 127.0.0.1 (random port) and prints one JSON line per event on
// stdout: first {"event":"listening","port":N}, then {"event":"connection",
// "sid":..,"transport":..}, {"event":"upgrade","sid":..,"transport":..} and
// {"event":"close","sid":..,"reason":..,"received":<ordered messages>}. Exits when stdin closes, so it dies
// with the Go test that started it.
//
// Every message is echoed unchanged (text stays text, binary stays binary).
// Ordering checks: text messages "t<i>" and binary messages whose first four
// bytes are big-endian i must arrive with i = 0, 1, 2, ... per kind; any gap,
// duplicate or reordering is reported to the client as the text "bad:<why>".
// Text commands (not echoed):
//   cmd:stop-pings  stop sending heartbeats on this session; answers ack:stop-pings
//   cmd:burst:N     send N text "s<i>" and N binary <i BE32,0x53> interleaved
//   cmd:close       close the session from the server side
//   cmd:transport   answers transport:<name of the current transport>
import http from "node:http";
import { Server } from "engine.io";

const opts = JSON.parse(process.argv[2] || "{}") || {};
const path = opts.path || "/socket.io/";

const httpServer = http.createServer();
const engine = new Server({
  path,
  transports: opts.transports || ["polling", "websocket"],
  pingInterval: opts.pingInterval ?? 25000,
  pingTimeout: opts.pingTimeout ?? 20000,
  allowUpgrades: opts.allowUpgrades ?? true,
  maxHttpBufferSize: opts.maxHttpBufferSize ?? 1e6,
  upgradeTimeout: opts.upgradeTimeout ?? 10000,
  cookie: opts.cookie ?? false,
});
engine.attach(httpServer, { path });

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

engine.on("connection", (socket) => {
  out({ event: "connection", sid: socket.id, transport: socket.transport.name });
  let nextText = 0;
  let nextBinary = 0;

  socket.on("upgrade", (transport) => {
    out({ event: "upgrade", sid: socket.id, transport: transport.name });
  });
  socket.on("close", (reason) => {
    out({ event: "close", sid: socket.id, reason, received: nextText + nextBinary });
  });

  socket.on("message", (data) => {
    if (typeof data === "string") {
      if (data.startsWith("cmd:")) {
        command(socket, data.slice(4));
        return;
      }
      if (data.startsWith("t")) {
        const i = Number(data.slice(1));
        if (i !== nextText) {
          socket.send(`bad:text got ${i} want ${nextText}`);
        }
        nextText = i + 1;
      }
      socket.send(data);
      return;
    }
    const buf = Buffer.from(data);
    if (buf.length >= 4) {
      const i = buf.readUInt32BE(0);
      if (i !== nextBinary) {
        socket.send(`bad:binary got ${i} want ${nextBinary}`);
      }
      nextBinary = i + 1;
    }
    socket.send(buf);
  });
});

function command(socket, cmd) {
  if (cmd === "stop-pings") {
    // engine.io has no switch for this: disarm the heartbeat timers of this
    // session so that it stays open but never pings again.
    socket.schedulePing = () => {};
    clearTimeout(socket.pingIntervalTimer);
    clearTimeout(socket.pingTimeoutTimer);
    socket.pingIntervalTimer = null;
    socket.pingTimeoutTimer = null;
    socket.send("ack:stop-pings");
  } else if (cmd.startsWith("burst:")) {
    const n = Number(cmd.slice(6));
    for (let i = 0; i < n; i++) {
      socket.send(`s${i}`);
      const b = Buffer.alloc(5);
      b.writeUInt32BE(i, 0);
      b[4] = 0x53;
      socket.send(b);
    }
  } else if (cmd === "close") {
    socket.close();
  } else if (cmd === "transport") {
    socket.send(`transport:${socket.transport.name}`);
  } else {
    socket.send(`bad:unknown command ${cmd}`);
  }
}

httpServer.listen(0, "127.0.0.1", () => {
  out({ event: "listening", port: httpServer.address().port });
});

process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
