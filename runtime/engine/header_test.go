package engine

import (
	"maps"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"
)

// TestPackedHeader: a session's packed headers give back the request's
// header map exactly (several values per key, empty values, values with
// colons), HeaderValue finds the first value under any spelling of the
// name, and every Header call returns a map of its own.
func TestPackedHeader(t *testing.T) {
	for _, h := range []http.Header{
		nil,
		{},
		{"Origin": {"http://a.example:8080"}},
		{"Cookie": {"a=1", "b=2"}, "X-Empty": {""}, "User-Agent": {"Mozilla/5.0 (X11; Linux x86_64)"}},
		{"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Accept": {"*/*"}, "X-Colons": {"a:b:c", ":"}},
	} {
		hs := Handshake{header: packHeader(h)}
		got := hs.Header()
		if len(h) == 0 && len(got) != 0 || len(h) > 0 && !maps.EqualFunc(got, h, slices.Equal) {
			t.Errorf("packed %q: got %v, want %v", hs.header, got, h)
		}
		for k, vs := range h {
			for _, name := range []string{k, strings.ToLower(k), strings.ToUpper(k)} {
				if v := hs.HeaderValue(name); v != vs[0] {
					t.Errorf("HeaderValue(%q) = %q, want %q", name, v, vs[0])
				}
			}
		}
		if v := hs.HeaderValue("Missing"); v != "" {
			t.Errorf("HeaderValue(Missing) = %q", v)
		}
		got["X-Added"] = []string{"1"}
		if hs.Header().Get("X-Added") != "" {
			t.Error("Header returned a shared map")
		}
	}
}

// FuzzPackedHeader: any header net/http could produce (canonical keys
// without ':' or newlines, values without newlines) survives packing.
func FuzzPackedHeader(f *testing.F) {
	f.Add("Origin", "http://x", "Cookie", "a=1; b=2")
	f.Add("X-A", "", "X-A", "v:w")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		h := http.Header{}
		for _, kv := range [][2]string{{k1, v1}, {k2, v2}} {
			k, v := textproto.CanonicalMIMEHeaderKey(kv[0]), kv[1]
			if k == "" || strings.ContainsAny(k, ":\n\r") || strings.ContainsAny(v, "\n\r") {
				return
			}
			h[k] = append(h[k], v)
		}
		hs := Handshake{header: packHeader(h)}
		if got := hs.Header(); !maps.EqualFunc(got, h, slices.Equal) {
			t.Fatalf("packed %q: got %v, want %v", hs.header, got, h)
		}
		if got := hs.HeaderValue(k1); got != h[textproto.CanonicalMIMEHeaderKey(k1)][0] {
			t.Fatalf("HeaderValue(%q) = %q", k1, got)
		}
	})
}
