// The chat page: the official socket.io-client (the global io, loaded by
// index.html) talking to the Go chat server's /chat namespace. Event names,
// arguments and error-first acks are those of
// generated/chat/chatschema.d.ts (Chat.ClientToServerEvents and
// Chat.ServerToClientEvents). Everything received is shown with
// textContent, never parsed as HTML.

const ACK_TIMEOUT = 5000; // ms to wait for an acknowledgement
const TYPING_EVERY = 1000; // re-announce typing at most this often while keys are pressed
const TYPING_IDLE = 3000; // announce "stopped typing" after this long without a key
const TYPING_EXPIRE = 5000; // forget someone's typing notice after this long without a refresh
const MAX_UPLOAD = 512 << 10; // chatserver.MaxUpload

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const transports = (params.get("transports") || "polling,websocket").split(",").filter(Boolean);

const status = $("#status");
const log = $("#log");
let socket = null;
let me = "";
let room = "";
const seen = new Set(); // message ids already shown (history after a reconnect repeats them)

for (const field of ["name", "room"]) {
  if (params.has(field)) $("#" + field).value = params.get(field);
}

function setStatus(text) {
  status.textContent = text;
}

// add appends one line to the log and keeps the newest in view.
function add(cls, ...parts) {
  const li = document.createElement("li");
  li.className = cls;
  for (const p of parts) li.append(p);
  log.append(li);
  log.scrollTop = log.scrollHeight;
  return li;
}

function span(cls, text) {
  const s = document.createElement("span");
  s.className = cls;
  s.textContent = text;
  return s;
}

function showError(what, err) {
  add("error", `${what}: ${err && err.message ? err.message : String(err)}`);
}

// call emits an event with an error-first ack and resolves with the ack's
// values after the error slot; it rejects on a timeout or an error ack.
function call(event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(ACK_TIMEOUT).emit(event, ...args, (timeout, err, ...values) => {
      if (timeout) reject(new Error(`no answer to ${event}`));
      else if (err) reject(err);
      else resolve(values);
    });
  });
}

function showMessage(m) {
  if (seen.has(m.id)) return;
  seen.add(m.id);
  const at = new Date(m.at);
  const time = document.createElement("time");
  if (!isNaN(at)) {
    time.dateTime = at.toISOString();
    time.textContent = at.toLocaleTimeString();
  }
  add(m.user === me ? "message mine" : "message", time, span("user", m.user), span("text", m.text));
}

// Typing notices of the others, by user; each expires unless refreshed.
const typists = new Map();
function renderTyping() {
  const names = [...typists.keys()];
  $("#typing").textContent =
    names.length === 0 ? "" : `${names.join(" and ")} ${names.length === 1 ? "is" : "are"} typing…`;
}
function typingNotice(r, user, on) {
  if (r !== room || user === me) return;
  clearTimeout(typists.get(user));
  if (on) {
    typists.set(user, setTimeout(() => typingNotice(r, user, false), TYPING_EXPIRE));
  } else {
    typists.delete(user);
  }
  renderTyping();
}

// Our own typing: volatile emits (dropped rather than queued when the
// connection cannot take them now), repeated while keys are pressed.
let lastTyping = 0;
let idleTimer = 0;
function typing(on) {
  clearTimeout(idleTimer);
  if (!socket || !socket.connected) return;
  if (on) {
    const now = Date.now();
    if (now - lastTyping >= TYPING_EVERY) {
      lastTyping = now;
      socket.volatile.emit("typing", room, true);
    }
    idleTimer = setTimeout(() => typing(false), TYPING_IDLE);
  } else if (lastTyping) {
    lastTyping = 0;
    socket.volatile.emit("typing", room, false);
  }
}

async function join() {
  const [members] = await call("join", room);
  $("#members").textContent = `${room}: ${members} here`;
  add("joined", `you joined ${room} (${members} here)`);
  const [history] = await call("history", room, 50);
  for (const m of history || []) showMessage(m);
}

function connect(name) {
  me = name;
  socket = io("/chat", { transports, auth: { user: name } });

  // Each (re)connection opens a new Engine.IO socket: follow its transport
  // (polling first by default, then the upgrade to WebSocket).
  socket.io.on("open", () => {
    const engine = socket.io.engine;
    const track = () => {
      const t = engine.transport.name;
      const list = status.dataset.transports ? status.dataset.transports.split(",") : [];
      if (list[list.length - 1] !== t) list.push(t);
      status.dataset.transports = list.join(",");
      if (socket.connected) setStatus(`connected as ${me} via ${t}`);
    };
    track();
    engine.on("upgrade", track);
  });
  socket.on("connect", () => {
    setStatus(`connected as ${me} via ${socket.io.engine.transport.name}`);
    $("#join").hidden = true;
    $("#chat").hidden = false;
    join().catch((err) => showError(`cannot join ${room}`, err));
  });
  socket.on("connect_error", (err) => {
    setStatus(`cannot connect: ${err.message}`);
    if (!socket.active) {
      // Refused by the server (e.g. a bad name): let the user try again.
      socket = null;
      $("#join-button").disabled = false;
    }
  });
  socket.on("disconnect", (reason) => setStatus(`disconnected: ${reason}`));

  socket.on("message", showMessage);
  socket.on("typing", typingNotice);
  socket.on("presence", (p) => {
    if (p.room !== room) return;
    $("#members").textContent = `${room}: ${p.members} here`;
    if (p.user === me && p.joined) return; // our own join: the ack says it
    add("presence", `${p.user} ${p.joined ? "joined" : "left"} ${p.room} (${p.members} here)`);
    if (!p.joined) typingNotice(p.room, p.user, false);
  });
  socket.on("file", (f) => {
    // f.data is an ArrayBuffer (or a typed array with the msgpack parser).
    const size = f.data.byteLength;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([f.data]));
    link.download = f.name;
    link.textContent = f.name;
    add("file", `${f.user} shared `, link, ` (${size} bytes)`);
  });
}

if (typeof io !== "function") {
  setStatus("socket.io-client did not load: run `npm ci` in interop/ or allow cdn.jsdelivr.net");
  $("#join-button").disabled = true;
}

$("#join").addEventListener("submit", (e) => {
  e.preventDefault();
  const name = $("#name").value.trim();
  room = $("#room").value.trim();
  if (!name || !room || socket) return;
  $("#join-button").disabled = true;
  setStatus("connecting…");
  connect(name);
});

$("#text").addEventListener("input", () => typing($("#text").value !== ""));

$("#say").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("#text");
  const text = input.value;
  if (!text || !socket) return;
  input.value = "";
  typing(false);
  call("say", room, text).catch((err) => {
    showError("not sent", err);
    if (!input.value) input.value = text;
  });
});

$("#file").addEventListener("change", async (e) => {
  const input = e.target;
  const file = input.files[0];
  input.value = "";
  if (!file || !socket) return;
  if (file.size > MAX_UPLOAD) {
    showError(`${file.name} not shared`, new Error(`larger than ${MAX_UPLOAD} bytes`));
    return;
  }
  try {
    // An ArrayBuffer argument travels as a binary attachment.
    await call("upload", room, file.name, await file.arrayBuffer());
  } catch (err) {
    showError(`${file.name} not shared`, err);
  }
});
