// Drives the official npm socket.io-client (4.8.x) against the Go Socket.IO
// server of runtime/server, for its interop tests (runtime/server/interop_test.go
// sets up the server side of every scenario below).
//
// Usage: node server/client.mjs '{"url":"http://127.0.0.1:N","recoveryUrl":"http://127.0.0.1:M",
//          "mode":"websocket"|"polling"|"upgrade","parser":"json"|"msgpack","run":"<prefix>"}'
//
// Scenarios run one after the other; each waits with its own timeout. The
// script prints one JSON line per passed scenario ({"ok":true,"step":name})
// and a final line {"ok":true,"done":true}, or {"ok":false,"step":name,"error":"..."}
// (exit code 1). "run" labels the sockets (auth.label) so that the Go side
// can check the disconnect reasons it recorded for them. It gives up after 60 s.
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";
import { isDeepStrictEqual, inspect } from "node:util";

const opts = JSON.parse(process.argv[2]);
const transports = {
  polling: ["polling"],
  websocket: ["websocket"],
  upgrade: ["polling", "websocket"],
}[opts.mode];
const run = opts.run || "r";

let step = "start";
function finish(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(result.ok ? 0 : 1);
}
setTimeout(() => finish({ ok: false, step, error: "global timeout (60 s)" }), 60000).unref();
process.on("unhandledRejection", (e) => finish({ ok: false, step, error: String(e && e.stack ? e.stack : e) }));

function note(text) {
  process.stdout.write(JSON.stringify({ ok: true, step, note: text }) + "\n");
}

const sockets = [];
function connect(nsp, extra = {}, base = opts.url) {
  const s = io(base + nsp, {
    transports,
    upgrade: opts.mode === "upgrade",
    forceNew: true,
    reconnection: false,
    parser: opts.parser === "msgpack" ? msgpackParser : undefined,
    ...extra,
  });
  sockets.push(s);
  return s;
}

function waitFor(emitter, event, ms = 5000) {
  const who = emitter.nsp !== undefined ? ` on socket ${emitter.nsp} ${emitter.auth?.label ?? ""} (${emitter.io.engine?.transport?.name})` : "";
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for "${event}"${who} in ${step}`)), ms);
    emitter.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

async function connected(s) {
  if (s.connected) return;
  const [err] = await Promise.race([
    waitFor(s, "connect").then(() => [null]),
    waitFor(s, "connect_error").then((a) => [a[0] || new Error("connect_error")]),
  ]);
  if (err) throw new Error(`connect_error: ${err.message}`);
}

// Binary values come back as Buffer (Node parsers); compare them by bytes.
function norm(v) {
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("hex") };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") };
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}
function expectEqual(got, want, what) {
  if (!isDeepStrictEqual(norm(got), norm(want))) {
    throw new Error(`${what}: got ${inspect(norm(got), { depth: 9 })}, want ${inspect(norm(want), { depth: 9 })}`);
  }
}
function expect(cond, what) {
  if (!cond) throw new Error(what);
}

// Every JSON type, nested binary, unicode, HTML characters, big numbers.
const everyType = [
  0,
  1,
  -2.5,
  // notepack.io (socket.io-msgpack-parser) cannot encode integers beyond
  // 2^64: 1e21 only travels with the JSON parser
  ...(opts.parser === "msgpack" ? [2 ** 60] : [1e21]),
  123456789012,
  "str",
  "ünïcödé ✓ <>&\u2028",
  "",
  true,
  false,
  null,
  [],
  {},
  [1, [2, [3, "x"]]],
  { a: { b: { c: "d" } }, n: null, list: [true, 1.5] },
  Buffer.from([1, 2, 3]),
  { nested: { bin: Buffer.from([4, 5]), list: [Buffer.from([6]), "after"] } },
];

// Collects events of a name on several sockets, to check who got what.
function collect(socketsByName, event) {
  const got = {};
  for (const [name, s] of Object.entries(socketsByName)) {
    got[name] = [];
    s.on(event, (...args) => got[name].push(args));
  }
  return got;
}

// A marker broadcast to the whole namespace: once a socket has it, every
// earlier broadcast to that socket has arrived (one connection is ordered).
async function barrier(sender, all) {
  const waits = all.map((s) => waitFor(s, "marker"));
  await to(sender, { to: [], except: [], event: "marker", payload: 0 });
  await Promise.all(waits);
}

// Asks the server to emit to rooms (Namespace.To(...).Except(...).Emit).
async function to(s, req) {
  const res = await s.emitWithAck("to", req);
  if (res !== true) throw new Error(`server-side emit failed: ${inspect(res)}`);
}

const scenarios = [];
function scenario(name, fn) {
  scenarios.push([name, fn]);
}

scenario("connect main namespace with auth", async () => {
  const auth = { label: `${run}-main`, token: "ok", n: 1 };
  const s = connect("/", { auth });
  const welcome = waitFor(s, "welcome");
  await connected(s);
  const [id, gotAuth, recovered] = await welcome;
  expect(id === s.id, `welcome id ${id} != socket.id ${s.id}`);
  expect(typeof s.id === "string" && s.id.length === 20, `socket id ${s.id} is not 20 characters`);
  expect(s.id !== s.io.engine.id, "socket id equals the Engine.IO sid");
  expectEqual(gotAuth, auth, "auth seen by the server");
  expect(recovered === false, "fresh socket reported as recovered");
  s.disconnect();
});

scenario("auth defaults to an empty object", async () => {
  const s = connect("/");
  const welcome = waitFor(s, "welcome");
  await connected(s);
  const [, gotAuth] = await welcome;
  expectEqual(gotAuth, {}, "auth without a payload");
  s.disconnect();
});

scenario("custom namespace with auth accepted and refused", async () => {
  const ok = connect("/admin", { auth: { role: "admin" } });
  const welcome = waitFor(ok, "welcome");
  await connected(ok);
  await welcome;
  const bad = connect("/admin", { auth: { role: "user" } });
  const [err] = await waitFor(bad, "connect_error");
  expect(err.message === "forbidden", `connect_error message ${err.message}`);
  expect(err.data === undefined, `connect_error data ${inspect(err.data)} should be absent`);
  ok.disconnect();
});

scenario("middleware rejection with data", async () => {
  const s = connect("/", { auth: { token: "bad" } });
  const [err] = await waitFor(s, "connect_error");
  expect(err.message === "not authorized", `message ${err.message}`);
  expectEqual(err.data, { code: 4001, reason: "bad token" }, "connect_error data");
});

scenario("unknown namespace", async () => {
  const s = connect("/nope");
  const [err] = await waitFor(s, "connect_error");
  expect(err.message === "Invalid namespace", `message ${err.message}`);
});

scenario("events both ways with every JSON type and nested binary", async () => {
  const s = connect("/", { auth: { label: `${run}-events` } });
  await connected(s);
  const back = waitFor(s, "echo");
  s.emit("echo", ...everyType);
  expectEqual(await back, everyType, "echoed event");
  const acked = await s.emitWithAck("echo", ...everyType);
  // emitWithAck resolves with the first ack argument only
  expectEqual(acked, everyType[0], "ack first argument");
  const all = await new Promise((resolve) => s.emit("echo", ...everyType, (...args) => resolve(args)));
  expectEqual(all, everyType, "ack arguments");
  s.disconnect();
});

scenario("typed decode and encode in Go", async () => {
  const s = connect("/");
  await connected(s);
  const input = {
    name: "n",
    count: 7,
    ratio: 0.25,
    ok: true,
    tags: ["a", "b"],
    blob: Buffer.from([9, 8, 7]),
    inner: { id: 3, data: Buffer.from([1]) },
  };
  const [out, bin] = await new Promise((resolve) => s.emit("typed", input, (...a) => resolve(a)));
  expectEqual(out, { ...input, count: 8, inner: { id: 4, data: Buffer.from([1]) } }, "typed ack");
  expectEqual(bin, Buffer.from([9, 8, 7, 0]), "typed ack binary");
  s.disconnect();
});

scenario("server emitWithAck answered by the client (binary ack)", async () => {
  const s = connect("/");
  await connected(s);
  s.on("question", (x, cb) => cb(x * 2, Buffer.from([x])));
  const res = await new Promise((resolve) => s.emit("ask", 21, (...a) => resolve(a)));
  expectEqual(res, [42, Buffer.from([21])], "answer relayed by the server");
  s.disconnect();
});

scenario("server emitWithAck timeout fires", async () => {
  const s = connect("/");
  await connected(s);
  s.on("question", () => {}); // never acknowledges
  const [res] = await new Promise((resolve) => s.emit("ask-timeout", (...a) => resolve(a)));
  expectEqual(res, { timedOut: true }, "server-side timeout");
  s.disconnect();
});

scenario("client emitWithAck timeout fires", async () => {
  const s = connect("/");
  await connected(s);
  let err;
  try {
    await s.timeout(200).emitWithAck("no-answer", 1);
  } catch (e) {
    err = e;
  }
  expect(err && err.message === "operation has timed out", `expected a timeout, got ${err}`);
  s.disconnect();
});

scenario("rooms: to/except union, broadcast", async () => {
  const A = connect("/");
  const B = connect("/");
  const C = connect("/");
  await Promise.all([A, B, C].map(connected));
  await A.emitWithAck("join", "r1");
  await B.emitWithAck("join", "r1", "r2");
  await C.emitWithAck("join", "r2");
  const got = collect({ A, B, C }, "room-msg");
  await to(A, { to: ["r1"], except: ["r2"], event: "room-msg", payload: "r1-not-r2" });
  await to(A, { to: ["r1", "r2"], except: [], event: "room-msg", payload: "union" });
  await to(A, { to: ["r2"], except: [], event: "room-msg", payload: "r2" });
  await A.emitWithAck("leave", "r1");
  await to(A, { to: ["r1"], except: [], event: "room-msg", payload: "after-leave" });
  await barrier(A, [A, B, C]);
  expectEqual(got.A, [["r1-not-r2"], ["union"]], "A's room messages");
  expectEqual(got.B, [["union"], ["r2"], ["after-leave"]], "B's room messages");
  expectEqual(got.C, [["union"], ["r2"]], "C's room messages");
  const b = collect({ A, B, C }, "bcast");
  await A.emitWithAck("broadcast", "from-A");
  await barrier(A, [A, B, C]);
  expectEqual(b.A, [], "broadcast reached its sender");
  expectEqual(b.B, [["from-A"]], "B broadcast");
  expectEqual(b.C, [["from-A"]], "C broadcast");
  const own = collect({ A, B }, "own");
  await to(A, { to: [B.id], except: [], event: "own", payload: "direct" });
  await barrier(A, [A, B]);
  expectEqual(own.B, [["direct"]], "B's own room");
  expectEqual(own.A, [], "A got B's own-room message");
  for (const s of [A, B, C]) s.disconnect();
});

scenario("broadcast with acks from several clients", async () => {
  const names = ["A", "B", "C"];
  const socks = names.map(() => connect("/"));
  const D = connect("/");
  await Promise.all([...socks, D].map(connected));
  await Promise.all(
    socks.map((s, i) => {
      s.on("poll", (q, cb) => cb(`${names[i]}:${q}`));
      return s.emitWithAck("join", "poll-room");
    }),
  );
  const [answers] = await new Promise((resolve) => D.emit("broadcast-ack", "poll-room", "q1", 10000, (...a) => resolve(a)));
  expectEqual(answers, ["A:q1", "B:q1", "C:q1"], "answers collected by the server");
  // one client does not answer: the server's timeout returns the others
  socks[2].off("poll");
  socks[2].on("poll", () => {});
  const [partial] = await new Promise((resolve) => D.emit("broadcast-ack", "poll-room", "q2", 1500, (...a) => resolve(a)));
  expectEqual(partial, ["A:q2", "B:q2", "timeout"], "answers before the timeout");
  for (const s of [...socks, D]) s.disconnect();
});

scenario("dynamic namespaces", async () => {
  const s = connect("/dyn-abc", { auth: { label: `${run}-dyn` } });
  const welcome = waitFor(s, "dyn-welcome");
  await connected(s);
  expectEqual(await welcome, ["/dyn-abc"], "dynamic welcome");
  const back = waitFor(s, "echo");
  s.emit("echo", "inherited");
  expectEqual(await back, ["inherited"], "handler inherited from the parent");
  const bad = connect("/dyn-123");
  const [err] = await waitFor(bad, "connect_error");
  expect(err.message === "Invalid namespace", `message ${err.message}`);
  s.disconnect();
});

scenario("several namespaces on one connection", async () => {
  const main = connect("/", { forceNew: true, auth: { label: `${run}-multi` } });
  await connected(main);
  const admin = main.io.socket("/admin", { auth: { role: "admin" } });
  await connected(admin);
  expect(main.io === admin.io && main.io.engine === admin.io.engine, "namespaces do not share the connection");
  const back = waitFor(main, "echo");
  main.emit("echo", "main");
  expectEqual(await back, ["main"], "main echo");
  admin.disconnect();
  const back2 = waitFor(main, "echo");
  main.emit("echo", "still");
  expectEqual(await back2, ["still"], "main after admin left");
  main.disconnect();
});

scenario("disconnect reasons on both sides", async () => {
  // server namespace disconnect
  const a = connect("/", { auth: { label: `${run}.dr-srvdisc` } });
  await connected(a);
  const da = waitFor(a, "disconnect");
  a.emit("disconnect-me", false);
  expectEqual((await da)[0], "io server disconnect", "client reason after Disconnect(false)");
  // server disconnect with close
  const b = connect("/", { auth: { label: `${run}.dr-srvclose` } });
  await connected(b);
  const db = waitFor(b, "disconnect");
  b.emit("disconnect-me", true);
  expectEqual((await db)[0], "io server disconnect", "client reason after Disconnect(true)");
  // client namespace disconnect
  const c = connect("/", { auth: { label: `${run}.dr-clidisc` } });
  await connected(c);
  const dc = waitFor(c, "disconnect");
  c.disconnect();
  expectEqual((await dc)[0], "io client disconnect", "client reason after disconnect()");
  // client closes the transport
  const d = connect("/", { auth: { label: `${run}.dr-clitransport` } });
  await connected(d);
  const dd = waitFor(d, "disconnect");
  d.io.engine.close();
  expectEqual((await dd)[0], "forced close", "client reason after engine.close()");
  // server closes the transport
  const e = connect("/", { auth: { label: `${run}.dr-srvtransport` } });
  await connected(e);
  const de = waitFor(e, "disconnect");
  e.emit("kill-transport");
  expectEqual((await de)[0], "transport close", "client reason after the server closed the transport");
  // the server reports its reasons for these sockets
  const f = connect("/");
  await connected(f);
  const reasons = await f.emitWithAck("reasons", `${run}.dr`, 5);
  expectEqual(
    reasons,
    {
      [`${run}.dr-srvdisc`]: ["disconnecting:server namespace disconnect", "disconnect:server namespace disconnect"],
      [`${run}.dr-srvclose`]: ["disconnecting:server namespace disconnect", "disconnect:server namespace disconnect"],
      [`${run}.dr-clidisc`]: ["disconnecting:client namespace disconnect", "disconnect:client namespace disconnect"],
      [`${run}.dr-clitransport`]: ["disconnecting:transport close", "disconnect:transport close"],
      [`${run}.dr-srvtransport`]: ["disconnecting:forced close", "disconnect:forced close"],
    },
    "server-side reasons",
  );
  f.disconnect();
});

// The server closes while the client upgrades, at the worst moment: the
// probe has been answered and the client is pausing polling, so that it
// listens only to the probe WebSocket (the Go side's upgradeHooks, asked
// for with the upgradeHook query parameter). The client must see the
// disconnect at once, with the reason the server gave, not at its ping
// timeout. Only the upgrade mode has an upgrade.
scenario("server closes in the middle of an upgrade", async () => {
  if (opts.mode !== "upgrade") return;
  for (const [action, want] of [
    ["disc", "io server disconnect"],
    ["close", "transport close"],
  ]) {
    const s = connect("/", { auth: { label: `${run}.up-${action}` }, query: { upgradeHook: "1" } });
    const opened = waitFor(s.io, "open").then(() => Date.now());
    const upgrading = new Promise((resolve) => s.io.engine.once("upgrading", () => resolve(true)));
    const d = waitFor(s, "disconnect", 10000);
    await connected(s);
    const [reason] = await d;
    const took = Date.now() - (await opened);
    expectEqual(reason, want, `client reason after the server's ${action} during the upgrade`);
    expect(took < 1000, `disconnect seen ${took} ms after the connection opened, want < 1000 ms`);
    expect(await Promise.race([upgrading, Promise.resolve(false)]), "the probe was never answered");
  }
  const f = connect("/");
  await connected(f);
  const reasons = await f.emitWithAck("reasons", `${run}.up`, 2);
  expectEqual(
    reasons,
    {
      [`${run}.up-disc`]: [`disconnecting:server namespace disconnect`, `disconnect:server namespace disconnect`],
      [`${run}.up-close`]: [`disconnecting:forced close`, `disconnect:forced close`],
    },
    "server-side reasons",
  );
  f.disconnect();
});

scenario("connection state recovery after a forced transport close", async () => {
  const X = connect("/", {
    reconnection: true,
    reconnectionDelay: 1000,
    randomizationFactor: 0,
    auth: { label: `${run}-recover` },
  }, opts.recoveryUrl);
  const Y = connect("/", {}, opts.recoveryUrl);
  await Promise.all([X, Y].map(connected));
  const firstId = X.id;
  expect(X.recovered === false, "first connection reported as recovered");
  await X.emitWithAck("join", "news");
  const news = [];
  X.on("news", (n) => news.push(n));
  const first = waitFor(X, "news");
  await to(Y, { to: ["news"], except: [], event: "news", payload: 1 });
  await first;
  const disc = waitFor(X, "disconnect");
  X.emit("kill-transport");
  const [reason] = await disc;
  expect(reason === "transport close", `disconnect reason ${reason}`);
  // missed while away
  await to(Y, { to: ["news"], except: [], event: "news", payload: 2 });
  await to(Y, { to: [], except: [], event: "news", payload: 3 });
  await to(Y, { to: ["other"], except: [], event: "news", payload: "not-for-X" });
  await waitFor(X, "connect", 10000);
  expect(X.recovered === true, "socket.recovered is not true after reconnecting");
  expect(X.id === firstId, `socket id changed on recovery: ${firstId} -> ${X.id}`);
  const done = waitFor(X, "news");
  await to(Y, { to: ["news"], except: [], event: "news", payload: 4 });
  await done;
  while (news.length < 4) await waitFor(X, "news");
  expectEqual(news, [1, 2, 3, 4], "news received, missed ones included, in order");
  const rooms = await X.emitWithAck("rooms");
  expectEqual(rooms.sort(), [X.id, "news"].sort(), "rooms after recovery");
  X.disconnect();
  Y.disconnect();
});

for (const [name, fn] of scenarios) {
  step = name;
  try {
    await fn();
  } catch (e) {
    finish({ ok: false, step, error: e && e.stack ? e.stack : String(e) });
  }
  process.stdout.write(JSON.stringify({ ok: true, step }) + "\n");
}
for (const s of sockets) s.disconnect();
finish({ ok: true, done: true });
