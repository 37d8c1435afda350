// Package chatweb is the chat example's browser side: a plain HTML page and
// JavaScript module (no build step, no framework) that talk to the chat
// server's /chat namespace with the official socket.io-client, the events
// and acks declared in generated/chat/chatschema.d.ts.
//
// The socket.io-client browser bundle is not part of this repository (no
// third-party code is committed): the page loads /socket.io.min.js, which
// Handler serves from an installed npm package when it has one (interop's
// node_modules in this repository) and otherwise redirects to the official
// CDN copy of the same release.
package chatweb

import (
	"embed"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
)

// ClientVersion is the socket.io-client release the page is written and
// tested against (the one interop/package-lock.json installs); the CDN
// fallback loads this version.
const ClientVersion = "4.8.4"

// Bundle file names in socket.io-client's dist directory.
const (
	// JSONBundle is the browser build with the default (JSON) parser.
	JSONBundle = "socket.io.min.js"
	// MsgpackBundle is the browser build with socket.io-msgpack-parser in
	// place of the default parser.
	MsgpackBundle = "socket.io.msgpack.min.js"
)

// CDNURL returns the jsDelivr address of a socket.io-client bundle
// (JSONBundle or MsgpackBundle) of ClientVersion. jsDelivr serves every
// file of every npm release, so the address exists for whatever version
// package-lock.json pins.
func CDNURL(bundle string) string {
	return "https://cdn.jsdelivr.net/npm/socket.io-client@" + ClientVersion + "/dist/" + bundle
}

//go:embed static
var static embed.FS

// Options configure Handler.
type Options struct {
	// Msgpack serves socket.io-client's msgpack bundle as the page's
	// /socket.io.min.js, for a server that runs the msgpack codec: the page
	// itself does not change.
	Msgpack bool
	// ClientDist is the dist directory of an installed socket.io-client npm
	// package. The bundle is served from there while the file exists;
	// otherwise (or when empty) /socket.io.min.js redirects to CDNURL.
	ClientDist string
}

// bundle returns the bundle file name Options select.
func (o Options) bundle() string {
	if o.Msgpack {
		return MsgpackBundle
	}
	return JSONBundle
}

// DefaultClientDist is where `npm ci` in interop/ installs the
// socket.io-client browser bundles, relative to the repository root.
var DefaultClientDist = filepath.Join("interop", "node_modules", "socket.io-client", "dist")

// FindClientDist looks for DefaultClientDist in dir and then in each of its
// parents, so `go run ./examples/chat` finds the installed bundles from
// anywhere inside the repository. It returns "" when there is none.
func FindClientDist(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		d := filepath.Join(dir, DefaultClientDist)
		if fi, err := os.Stat(filepath.Join(d, JSONBundle)); err == nil && fi.Mode().IsRegular() {
			return d
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// BundleSource says where the page's socket.io-client bundle comes from:
// a local file path, or the CDN address it redirects to.
func (o Options) BundleSource() string {
	if p, ok := o.localBundle(); ok {
		return p
	}
	return CDNURL(o.bundle())
}

func (o Options) localBundle() (string, bool) {
	if o.ClientDist == "" {
		return "", false
	}
	p := filepath.Join(o.ClientDist, o.bundle())
	fi, err := os.Stat(p)
	return p, err == nil && fi.Mode().IsRegular()
}

// contentSecurityPolicy lets the page run only its own scripts and the
// socket.io-client bundle (local or from the CDN), connect only back to this
// server (WebSocket included) and to the blob: URLs of received files.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net/npm/socket.io-client@" + ClientVersion + "/dist/; " +
	"connect-src 'self' blob:; img-src 'self' blob: data:; style-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the chat page at / (index.html, app.js, style.css) and
// the socket.io-client bundle at /socket.io.min.js.
func Handler(opts Options) http.Handler {
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has it
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(files))
	mux.HandleFunc("GET /socket.io.min.js", func(w http.ResponseWriter, r *http.Request) {
		if p, ok := opts.localBundle(); ok {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			http.ServeFile(w, r, p)
			return
		}
		http.Redirect(w, r, CDNURL(opts.bundle()), http.StatusFound)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		mux.ServeHTTP(w, r)
	})
}

// Mux routes Socket.IO requests (/socket.io/) to sio and everything else to
// the page: the chat server's whole HTTP surface.
func Mux(sio http.Handler, opts Options) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", sio)
	mux.Handle("/", Handler(opts))
	return mux
}
