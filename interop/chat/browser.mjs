// Drives the chat web page (examples/chat/chatweb) in headless Chromium with
// playwright-core: two pages, alice and bob, in room "lobby" of a chat server
// where the Go test's typed client "gopher" joined first and says
// "hello from go" once it sees bob join.
//
// Usage: node chat/browser.mjs <base-url> <transports> <screenshot-dir> <upload-hex>
// Chromium is $CHROMIUM or /usr/bin/chromium; no browser is ever downloaded.
// Prints one JSON line with what the pages showed; exits non-zero on failure.
// Screenshots of both pages land in <screenshot-dir> (alice.png, bob.png)
// whatever happens, for the Go test to keep when it fails.
import { chromium } from "playwright-core";
import path from "node:path";

const [base, transports, shots, uploadHex] = process.argv.slice(2);
const STEP_TIMEOUT = 10_000; // ms for any one wait
const OVERALL = 60_000; // ms for the whole run

const out = { step: "launch", errors: [] };
const step = (name) => {
  out.step = name;
};

const overall = setTimeout(() => {
  console.error(`browser.mjs: still running after ${OVERALL} ms (step ${out.step})`);
  process.exit(2);
}, OVERALL);
overall.unref();

// Launched with a fresh temporary profile (user-data-dir) that
// playwright-core deletes on close.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  timeout: 30_000,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const pages = {};
async function open(user) {
  const context = await browser.newContext();
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  page.on("pageerror", (err) => out.errors.push(`${user}: page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") out.errors.push(`${user}: console ${msg.type()}: ${msg.text()}`);
  });
  pages[user] = page;
  await page.goto(`${base}/?transports=${encodeURIComponent(transports)}`);
  return page;
}

// join fills in the form and returns the log line of the join ack, once the
// page runs on its final transport.
async function join(page, user) {
  await page.fill("#name", user);
  await page.fill("#room", "lobby");
  await page.click("#join-button");
  const joined = await page.locator("#log li.joined").first().textContent();
  await page.waitForFunction(() => document.querySelector("#status").dataset.transports.endsWith("websocket"));
  return { joined, transports: await page.getAttribute("#status", "data-transports") };
}

// line waits for a log line of class cls containing text and returns its text.
const line = (page, cls, text) => page.locator(`#log li.${cls}`, { hasText: text }).first().textContent();

// message waits for a chat message containing text and returns "user: text".
async function message(page, text) {
  const li = page.locator("#log li.message", { hasText: text }).first();
  return `${await li.locator(".user").textContent()}: ${await li.locator(".text").textContent()}`;
}

try {
  step("open pages");
  const alice = await open("alice");
  const bob = await open("bob");

  step("alice joins");
  out.alice = await join(alice, "alice");
  step("bob joins");
  out.bob = await join(bob, "bob");

  step("go's message");
  out.aliceSawGo = await message(alice, "hello from go");
  out.bobSawGo = await message(bob, "hello from go");

  // Typing notices are volatile: a notice that finds the connection busy is
  // dropped, so alice keeps typing (the page re-announces every second)
  // until bob's page shows it.
  step("typing indicator");
  for (out.typingAttempts = 1; ; out.typingAttempts++) {
    await alice.press("#text", "x");
    try {
      await bob.locator("#typing", { hasText: "alice is typing" }).waitFor({ timeout: 1500 });
      break;
    } catch (err) {
      if (out.typingAttempts >= 10) throw err;
    }
  }
  out.typing = await bob.textContent("#typing");

  step("alice says");
  const aliceText = "hi bob, from alice ✓ <b>not bold</b>";
  await alice.fill("#text", aliceText);
  await alice.press("#text", "Enter");
  out.bobSawAlice = await message(bob, "from alice");
  out.boldElements = await bob.locator("#log b").count();

  step("bob says");
  await bob.fill("#text", "hi alice, from bob");
  await bob.click("#say button");
  out.aliceSawBob = await message(alice, "from bob");

  step("alice uploads");
  await alice.setInputFiles("#file", {
    name: "notes.bin",
    mimeType: "application/octet-stream",
    buffer: Buffer.from(uploadHex, "hex"),
  });
  out.bobSawFile = await line(bob, "file", "notes.bin");
  out.aliceSawFile = await line(alice, "file", "notes.bin");
  // What bob can download: the bytes behind the notice's blob: link.
  out.bobFileHex = await bob.locator("#log li.file a", { hasText: "notes.bin" }).first().evaluate(async (a) => {
    const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  });
  out.bobFileName = await bob.locator("#log li.file a", { hasText: "notes.bin" }).first().getAttribute("download");

  step("done");
  console.log(JSON.stringify(out));
} catch (err) {
  console.error(`browser.mjs: failed at step "${out.step}":`, err);
  out.error = String(err && err.message ? err.message : err);
  console.log(JSON.stringify(out));
  process.exitCode = 1;
} finally {
  for (const [user, page] of Object.entries(pages)) {
    await page
      .screenshot({ path: path.join(shots, `${user}.png`), fullPage: true, timeout: 5000 })
      .catch((err) => console.error(`browser.mjs: screenshot of ${user}: ${err.message}`));
  }
  await browser.close();
}
