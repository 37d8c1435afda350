// Opens many idle engine.io-client sessions against the Go server, for the
// idle-cost measurement of runtime/engine.
//
// Usage: node engine/idle.mjs '{"url":"http://127.0.0.1:N","path":"/engine.io/",
//          "transport":"polling"|"websocket","count":500}'
//
// Prints {"event":"ready","open":N} once every session is open, then keeps
// them idle (answering pings) until stdin closes; then it closes them and
// exits. Prints {"event":"error",...} and exits 1 on failure.
import { Socket } from "engine.io-client";

const opts = JSON.parse(process.argv[2]);
const sockets = [];
let open = 0;

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

setTimeout(() => {
  out({ event: "error", error: `timeout: ${open} of ${opts.count} open` });
  process.exit(1);
}, 30000).unref();

for (let i = 0; i < opts.count; i++) {
  const s = new Socket(opts.url, { path: opts.path, transports: [opts.transport], upgrade: false });
  s.on("open", () => {
    open++;
    if (open === opts.count) out({ event: "ready", open });
  });
  s.on("error", (err) => {
    out({ event: "error", error: String(err?.message ?? err) });
    process.exit(1);
  });
  sockets.push(s);
}

process.stdin.on("data", () => {});
process.stdin.on("end", () => {
  for (const s of sockets) s.close();
  setTimeout(() => process.exit(0), 200);
});
