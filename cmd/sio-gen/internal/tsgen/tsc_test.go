package tsgen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siogen/sio/internal/nodetest"
)

// A client written against the declarations, as a browser app would.
const goodClient = `import { io, Socket } from "socket.io-client";
import type { Chat, Message, AckError } from "./schema";

const socket: Socket<Chat.ServerToClientEvents, Chat.ClientToServerEvents> = io("http://127.0.0.1:3000/chat");
socket.emit("join", "general", (err: AckError | null, members?: number) => {
  if (err) console.log(err.message);
  const n: number | undefined = members;
  console.log(n);
});
socket.emit("say", "general", "hi");
socket.emit("typing", "general", true);
socket.emit("upload", "f.bin", new Uint8Array([1, 2]), (err) => console.log(err?.message));
socket.emit("chat message", "general", new Date().toISOString(), null, (err, msgs) => msgs?.forEach((m) => console.log(m.text)));
socket.emit("stats", (counts, load) => console.log(counts["general"], load.toFixed(2)));
socket.on("message", (m: Message) => { const t: string = m.text; console.log(t, m.attach); });
socket.on("ask", (q, answer) => answer(q.toUpperCase()));
`

// Each line is a mistake the declarations must catch.
var badClients = map[string]string{
	"wrong argument type": `socket.emit("say", "general", 42);`,
	"unknown event":       `socket.emit("shout", "general");`,
	"missing ack":         `socket.emit("join", "general", "oops");`,
	"wrong listener":      `socket.on("message", (m: number) => console.log(m));`,
	"wrong ack value":     `socket.on("ask", (q, answer) => answer(42));`,
}

func TestDeclarationsTypeCheck(t *testing.T) {
	interop := nodetest.Dir(t)
	m := loadGood(t)
	dts, err := Render(m)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(interop, ".tscheck-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "schema.d.ts"), dts, 0o644); err != nil {
		t.Fatal(err)
	}
	header := goodClient[:strings.Index(goodClient, "socket.emit")]
	files := map[string]string{"good.ts": goodClient}
	for name, line := range badClients {
		files[strings.ReplaceAll(name, " ", "_")+".ts"] = header + line + "\n"
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// One tsc run over every file: the good one must have no error, each bad
	// one an error on its line 5.
	args := []string{"--noEmit", "--strict", "--target", "es2020", "--module", "esnext",
		"--moduleResolution", "bundler", "--skipLibCheck"}
	for name := range files {
		args = append(args, name)
	}
	cmd := exec.Command(filepath.Join(interop, "node_modules", ".bin", "tsc"), args...)
	cmd.Dir = dir
	raw, err := cmd.CombinedOutput()
	out := string(raw)
	if err == nil {
		t.Fatalf("tsc accepted every file, the wrong clients included:\n%s", out)
	}
	if strings.Contains(out, "good.ts") {
		t.Fatalf("good client must type-check:\n%s\n--- schema.d.ts:\n%s", out, dts)
	}
	for name := range badClients {
		file := strings.ReplaceAll(name, " ", "_") + ".ts"
		if !strings.Contains(out, file+"(5,") {
			t.Errorf("%s: tsc did not reject line 5 of %s:\n%s", name, file, out)
		}
	}
	if strings.Count(out, "error TS") < len(badClients) {
		t.Errorf("fewer errors than wrong clients:\n%s", out)
	}
}
