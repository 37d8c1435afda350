// Drives the typed Go chat server with the official socket.io-client, as a
// browser app written against generated/chat/chatschema.d.ts would.
// Usage: node chat/client.mjs <url> <json|msgpack> <transports,comma,separated>
// Prints one JSON line with what it observed; exits non-zero on failure.
import { io } from "socket.io-client";
import msgpackParser from "socket.io-msgpack-parser";

const [url, parser, transports] = process.argv.slice(2);
const opts = (user) => ({
  transports: transports.split(","),
  auth: { user },
  reconnection: false,
  ...(parser === "msgpack" ? { parser: msgpackParser } : {}),
});
const withTimeout = (p, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error("timeout: " + what)), 5000).unref())]);
const connect = (s) =>
  new Promise((res, rej) => {
    s.on("connect", res);
    s.on("connect_error", rej);
  });
// Error-first acks: (err, ...values).
const call = (s, ev, ...args) =>
  withTimeout(new Promise((res) => s.emit(ev, ...args, (...ack) => res(ack))), ev);

const out = {};
const alice = io(url + "/chat", opts("alice-js"));
const bob = io(url + "/chat", opts("bob-js"));
try {
  await withTimeout(Promise.all([connect(alice), connect(bob)]), "connect");
  out.join1 = await call(alice, "join", "room");
  out.join2 = await call(bob, "join", "room");

  const gotMessage = new Promise((res) => alice.on("message", res));
  out.say = await call(bob, "say", "room", "hi from js ✓");
  out.message = await withTimeout(gotMessage, "message");

  const gotFile = new Promise((res) => bob.on("file", res));
  const [upErr, upId] = await call(alice, "upload", "room", "b.bin", Buffer.from([1, 2, 3, 250]));
  out.upload = { err: upErr, hasId: typeof upId === "string" && upId.length > 0 };
  const file = await withTimeout(gotFile, "file");
  out.file = { name: file.name, user: file.user, data: Array.from(new Uint8Array(file.data)) };

  out.history = await call(bob, "history", "room", 5);
  out.notJoined = await call(bob, "say", "other", "x");
  out.wrongType = await call(bob, "join", { not: "a string" });

  // A middleware rejection reaches connect_error with its data.
  const anon = io(url + "/chat", { ...opts(""), auth: {} });
  try {
    await withTimeout(connect(anon), "anon");
    out.anon = "connected?!";
  } catch (err) {
    out.anon = { message: err.message, data: err.data };
  }
  anon.close();
  console.log(JSON.stringify(out));
} catch (err) {
  console.error(err);
  console.log(JSON.stringify({ error: String(err), partial: out }));
  process.exitCode = 1;
} finally {
  alice.close();
  bob.close();
}
