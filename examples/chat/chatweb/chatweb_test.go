package chatweb_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siogen/sio/examples/chat/chatweb"
	"github.com/siogen/sio/internal/nodetest"
)

// TestClientVersionIsLocked keeps the CDN fallback on the socket.io-client
// release that interop/package-lock.json installs (and the tests run).
func TestClientVersionIsLocked(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "interop", "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatalf("package-lock.json: %v", err)
	}
	if got := lock.Packages["node_modules/socket.io-client"].Version; got != chatweb.ClientVersion {
		t.Errorf("package-lock.json installs socket.io-client %q, chatweb.ClientVersion is %q: update the constant", got, chatweb.ClientVersion)
	}
}

func TestHandler(t *testing.T) {
	dist := filepath.Join(nodetest.Dir(t), "node_modules", "socket.io-client", "dist")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	jsonBundle, msgpackBundle := read(chatweb.JSONBundle), read(chatweb.MsgpackBundle)
	sio := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "socket.io handler") })

	for _, tc := range []struct {
		name, method, path string
		opts               chatweb.Options
		status             int
		contentType        string // prefix
		body               string // substring, or the whole body when wholeBody
		wholeBody          bool
		location           string
	}{
		{name: "page", method: "GET", path: "/", status: 200, contentType: "text/html", body: `<script src="/socket.io.min.js"></script>`},
		{name: "module", method: "GET", path: "/app.js", status: 200, contentType: "text/javascript", body: `socket.volatile.emit("typing"`},
		{name: "style", method: "GET", path: "/style.css", status: 200, contentType: "text/css"},
		{name: "local json bundle", method: "GET", path: "/socket.io.min.js", opts: chatweb.Options{ClientDist: dist},
			status: 200, contentType: "text/javascript", body: jsonBundle, wholeBody: true},
		{name: "local msgpack bundle", method: "GET", path: "/socket.io.min.js", opts: chatweb.Options{ClientDist: dist, Msgpack: true},
			status: 200, contentType: "text/javascript", body: msgpackBundle, wholeBody: true},
		{name: "cdn json bundle", method: "GET", path: "/socket.io.min.js",
			status: 302, location: "https://cdn.jsdelivr.net/npm/socket.io-client@" + chatweb.ClientVersion + "/dist/socket.io.min.js"},
		{name: "cdn msgpack bundle", method: "GET", path: "/socket.io.min.js", opts: chatweb.Options{Msgpack: true},
			status: 302, location: "https://cdn.jsdelivr.net/npm/socket.io-client@" + chatweb.ClientVersion + "/dist/socket.io.msgpack.min.js"},
		{name: "dist without bundles", method: "GET", path: "/socket.io.min.js", opts: chatweb.Options{ClientDist: t.TempDir()},
			status: 302, location: chatweb.CDNURL(chatweb.JSONBundle)},
		{name: "socket.io routed", method: "GET", path: "/socket.io/?EIO=4&transport=polling", status: 200, body: "socket.io handler", wholeBody: true},
		{name: "unknown path", method: "GET", path: "/nope", status: 404},
		{name: "no other files", method: "GET", path: "/go.mod", status: 404},
		{name: "only the static tree", method: "GET", path: "/static/app.js", status: 404},
		{name: "read only", method: "POST", path: "/", status: 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			chatweb.Mux(sio, tc.opts).ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			res := w.Result()
			body := w.Body.String()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.200s", res.StatusCode, tc.status, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			if tc.wholeBody && body != tc.body || !tc.wholeBody && !strings.Contains(body, tc.body) {
				t.Errorf("body %.200q, want %.200q", body, tc.body)
			}
			if loc := res.Header.Get("Location"); loc != tc.location {
				t.Errorf("Location %q, want %q", loc, tc.location)
			}
			if tc.status == 200 && !strings.HasPrefix(tc.path, "/socket.io/") {
				if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' https://cdn.jsdelivr.net/npm/socket.io-client@"+chatweb.ClientVersion+"/dist/;") {
					t.Errorf("Content-Security-Policy %q", csp)
				}
			}
		})
	}
}

func TestFindClientDist(t *testing.T) {
	want := filepath.Join(nodetest.Dir(t), "node_modules", "socket.io-client", "dist")
	if got := chatweb.FindClientDist("."); got != filepath.Clean(want) {
		t.Errorf("from the package directory: %q, want %q", got, want)
	}
	if got := chatweb.FindClientDist(t.TempDir()); got != "" {
		t.Errorf("outside the repository: %q, want none", got)
	}
}

func TestBundleSource(t *testing.T) {
	dist := filepath.Join(nodetest.Dir(t), "node_modules", "socket.io-client", "dist")
	if got := (chatweb.Options{ClientDist: dist}).BundleSource(); got != filepath.Join(dist, chatweb.JSONBundle) {
		t.Errorf("local: %q", got)
	}
	if got := (chatweb.Options{Msgpack: true}).BundleSource(); got != chatweb.CDNURL(chatweb.MsgpackBundle) {
		t.Errorf("cdn: %q", got)
	}
}

func ExampleCDNURL() {
	fmt.Println(chatweb.CDNURL(chatweb.JSONBundle))
	// Output: https://cdn.jsdelivr.net/npm/socket.io-client@4.8.4/dist/socket.io.min.js
}
