// Drives the official npm engine.io-client against the Go Engine.IO server,
// for the interop tests of runtime/engine.
//
// Usage: node engine/client.mjs '{"url":"http://127.0.0.1:N","path":"/engine.io/",
//          "mode":"polling"|"websocket"|"upgrade","count":1000}'
//
// The client sends `count` text messages "c<i>" and `count` binary messages
// (4 bytes big-endian i, then 0x43), interleaved: text i, binary i. With
// mode "upgrade" it sends the first third on "open" (over polling, racing
// the probe), the second third on "upgrading" (the probe succeeded; the
// client buffers while polling pauses) and the rest on "upgrade".
//
// It expects the server to send `count` text "s<i>" and `count` binary
// (i BE32, 0x53), interleaved, and checks that each arrives exactly once and
// in order. It prints one JSON line on stdout, then exits:
//   {"ok":true,"transport":"websocket","received":{"beforeUpgrading":n,"duringUpgrade":n,"afterUpgrade":n}}
// or {"ok":false,"error":"..."} (exit code 1). It gives up after 30 s.
import { Socket } from "engine.io-client";

const opts = JSON.parse(process.argv[2]);
const count = opts.count;
const transports = {
  polling: ["polling"],
  websocket: ["websocket"],
  upgrade: ["polling", "websocket"],
}[opts.mode];

function finish(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(result.ok ? 0 : 1);
}
setTimeout(() => finish({ ok: false, error: `timeout: received ${received} of ${2 * count}` }), 30000).unref();

const socket = new Socket(opts.url, {
  path: opts.path,
  transports,
  upgrade: opts.mode === "upgrade",
});

function binary(i, tag) {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(i, 0);
  b[4] = tag;
  return b;
}

function sendRange(from, to) {
  for (let i = from; i < to; i++) {
    socket.send(`c${i}`);
    socket.send(binary(i, 0x43));
  }
}

let phase = "beforeUpgrading";
const phases = { beforeUpgrading: 0, duringUpgrade: 0, afterUpgrade: 0 };
let received = 0; // messages received in order so far (text i at 2i, binary i at 2i+1)

socket.on("message", (data) => {
  const i = received >> 1;
  if (received % 2 === 0) {
    if (typeof data !== "string" || data !== `s${i}`) {
      return finish({ ok: false, error: `message ${received}: want text s${i}, got ${JSON.stringify(String(data)).slice(0, 80)}` });
    }
  } else {
    const b = Buffer.isBuffer(data) ? data : typeof data === "string" ? null : Buffer.from(data);
    if (!b || b.length !== 5 || b.readUInt32BE(0) !== i || b[4] !== 0x53) {
      return finish({ ok: false, error: `message ${received}: want binary ${i}, got ${typeof data} ${b ? b.toString("hex") : data}` });
    }
  }
  received++;
  phases[phase]++;
  maybeDone();
});

let upgraded = false;
function maybeDone() {
  // In "upgrade" mode the client's last third is only sent on "upgrade".
  if (received !== 2 * count || (opts.mode === "upgrade" && !upgraded)) return;
  const result = { ok: true, transport: socket.transport.name, received: phases };
  // let the last sends drain before closing
  setTimeout(() => {
    socket.close();
    finish(result);
  }, 50);
}

socket.on("open", () => {
  if (opts.mode === "upgrade") {
    sendRange(0, Math.floor(count / 3));
  } else {
    sendRange(0, count);
  }
});

socket.on("upgrading", () => {
  phase = "duringUpgrade";
  if (opts.mode === "upgrade") sendRange(Math.floor(count / 3), Math.floor((2 * count) / 3));
});

socket.on("upgrade", () => {
  phase = "afterUpgrade";
  upgraded = true;
  if (opts.mode === "upgrade") sendRange(Math.floor((2 * count) / 3), count);
  maybeDone();
});

socket.on("upgradeError", (err) => finish({ ok: false, error: `upgrade error: ${err.message}` }));
socket.on("error", (err) => finish({ ok: false, error: `error: ${err.message ?? err}` }));
socket.on("close", (reason, desc) => {
  if (received < 2 * count) finish({ ok: false, error: `closed early (${reason}) after ${received} messages` });
});
