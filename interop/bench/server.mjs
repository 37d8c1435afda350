// The Node side of the benchmark harness: the official socket.io 4.8 server
// with the same logic and settings as the Go bench server
// (examples/bench/server): an "echo" event is emitted back to its sender,
// "ping" is acknowledged with its argument, "bcast" is sent to every client.
//
// Usage: node --expose-gc bench/server.mjs [--addr 127.0.0.1:0] [--parser json|msgpack]
//          [--ping-interval 25000] [--ping-timeout 20000] [--max-http-buffer-size 1000000]
//
// Run it from interop/ (socket.io comes from interop/node_modules). The
// optional native ws helpers (bufferutil) come from interop/bench/node_modules
// through NODE_PATH; the first stdout line says whether they loaded:
//   listening 127.0.0.1:PORT {"bufferutil":true,...}
// GET /bench/mem runs the garbage collector (needs --expose-gc) and answers
// {"rss":bytes,"heap":bytes} from process.memoryUsage().
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { Server } from "socket.io";
import msgpackParser from "socket.io-msgpack-parser";

const args = process.argv.slice(2);
function flag(name, def) {
  const i = args.indexOf("--" + name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
}
const [host, portText] = flag("addr", "127.0.0.1:3000").split(":");
const parser = flag("parser", "json");
if (parser !== "json" && parser !== "msgpack") {
  console.error(`unknown --parser ${parser} (json or msgpack)`);
  process.exit(2);
}

// Which optional native helpers ws will find (it requires them itself).
const require = createRequire(import.meta.url);
function loads(name) {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}
const natives = { bufferutil: loads("bufferutil"), gc: typeof global.gc === "function", node: process.version };

function collect() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
}

const httpServer = createServer((req, res) => {
  if (req.url === "/bench/mem") {
    collect();
    const m = process.memoryUsage();
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: natives.gc }));
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, {
  pingInterval: Number(flag("ping-interval", "25000")),
  pingTimeout: Number(flag("ping-timeout", "20000")),
  maxHttpBufferSize: Number(flag("max-http-buffer-size", "1000000")),
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  parser: parser === "msgpack" ? msgpackParser : undefined,
});

io.on("connection", (socket) => {
  socket.on("echo", (p) => socket.emit("echo", p));
  socket.on("ping", (p, ack) => {
    if (typeof ack === "function") ack(p);
  });
  socket.on("bcast", (p) => io.emit("bcast", p));
});

httpServer.listen(Number(portText), host, () => {
  const a = httpServer.address();
  process.stdout.write(`listening ${a.address}:${a.port} ${JSON.stringify(natives)}\n`);
});

function shutdown() {
  io.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
