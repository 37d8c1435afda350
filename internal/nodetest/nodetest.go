// Package nodetest lets Go tests drive the official npm Socket.IO packages
// installed under interop/. It never skips: a missing Node or missing
// node_modules fails the test with the command that fixes it.
package nodetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the absolute path of the repository's interop/ folder after
// checking that node and its npm dependencies are there.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("nodetest: cannot locate source file")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "interop")
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("nodetest: node is not on PATH; install Node.js (>= 18) to run the interop tests")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io")); err != nil {
		t.Fatalf("nodetest: npm dependencies missing in %s: run `make interop-deps` (or `npm ci` there)", dir)
	}
	return dir
}

// Command returns an exec.Cmd that runs `node script args...` with the
// working directory set to interop/. script is relative to interop/.
func Command(t testing.TB, script string, args ...string) *exec.Cmd {
	t.Helper()
	dir := Dir(t)
	cmd := exec.Command("node", append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	return cmd
}
