package engine

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestPackedHeader: a session's headers give back the request's header
// map exactly (several values per key, empty values, values with colons;
// and, kept as a copy rather than packed, what a handler in front of the
// engine may set: newlines in values, colons in keys, keys without
// values), HeaderValue finds the first value under any spelling of the
// name, and every Header call returns a map of its own.
func TestPackedHeader(t *testing.T) {
	for _, tc := range []struct {
		h      http.Header
		packed bool
	}{
		{nil, true},
		{http.Header{}, true},
		{http.Header{"Origin": {"http://a.example:8080"}}, true},
		{http.Header{"Cookie": {"a=1", "b=2"}, "X-Empty": {""}, "User-Agent": {"Mozilla/5.0 (X11; Linux x86_64)"}}, true},
		{http.Header{"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Accept": {"*/*"}, "X-Colons": {"a:b:c", ":"}}, true},
		{http.Header{"X-User": {"bob\nX-Admin:1"}, "Origin": {"o"}}, false},
		{http.Header{"X-Odd:Key": {"v"}}, false},
		{http.Header{"X-None": {}, "Origin": {"o"}}, false},
	} {
		h := tc.h
		var hs Handshake
		hs.setHeader(h)
		if packed := hs.headerMap == nil; packed != tc.packed {
			t.Errorf("%v: packed %v, want %v", h, packed, tc.packed)
		}
		if hs.HeaderValue("X-Admin") != "" {
			t.Errorf("%v: a header value forged a header", h)
		}
		got := hs.Header()
		if len(h) == 0 && len(got) != 0 || len(h) > 0 && !maps.EqualFunc(got, h, slices.Equal) {
			t.Errorf("packed %q: got %v, want %v", hs.header, got, h)
		}
		for k, vs := range h {
			if len(vs) == 0 {
				continue
			}
			names := []string{k, strings.ToLower(k), strings.ToUpper(k)}
			if strings.Contains(k, ":") {
				names = names[:1] // not a valid name: no canonical form, as for http.Header.Get
			}
			for _, name := range names {
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

// FuzzPackedHeader: any header map survives a session's handshake (packed
// when it can be, copied when not), and HeaderValue agrees with
// http.Header.Get.
func FuzzPackedHeader(f *testing.F) {
	f.Add("Origin", "http://x", "Cookie", "a=1; b=2")
	f.Add("X-A", "", "X-A", "v:w")
	f.Add("X-B", "v\nX-C:1", "X:D", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		h := http.Header{}
		h.Add(k1, v1)
		h.Add(k2, v2)
		var hs Handshake
		hs.setHeader(h)
		if got := hs.Header(); !maps.EqualFunc(got, h, slices.Equal) {
			t.Fatalf("packed %q: got %v, want %v", hs.header, got, h)
		}
		for _, k := range []string{k1, k2, "X-C"} {
			if got, want := hs.HeaderValue(k), h.Get(k); got != want {
				t.Fatalf("HeaderValue(%q) = %q, want %q", k, got, want)
			}
		}
	})
}
