package engine

import (
	"net/http"
	"net/textproto"
	"strings"
)

// A session keeps its first request's headers packed in one string, one
// "Key:value\n" line per value, instead of the request's http.Header: a map,
// a slice per key and a string per value cost several hundred bytes per
// idle connection, the packed form about the bytes of the headers. Keys are
// canonical and cannot hold ':'; values cannot hold '\n' (net/http refuses
// both).

// packHeader returns h in the packed form.
func packHeader(h http.Header) string {
	n := 0
	for k, vs := range h {
		n += len(vs) * (len(k) + 2)
		for _, v := range vs {
			n += len(v)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for k, vs := range h {
		for _, v := range vs {
			b.WriteString(k)
			b.WriteByte(':')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Header returns the first request's headers (without Host, which net/http
// keeps in Handshake.Host). Each call builds a new map from the session's
// packed copy, which the caller may keep and modify.
func (h *Handshake) Header() http.Header {
	hdr := make(http.Header, strings.Count(h.header, "\n"))
	for rest := h.header; rest != ""; {
		line, after, _ := strings.Cut(rest, "\n")
		rest = after
		if k, v, ok := strings.Cut(line, ":"); ok {
			hdr[k] = append(hdr[k], v)
		}
	}
	return hdr
}

// HeaderValue returns the first value of the named header of the first
// request, or "", without building the whole map. name is canonicalized
// as http.Header.Get does.
func (h *Handshake) HeaderValue(name string) string {
	prefix := textproto.CanonicalMIMEHeaderKey(name) + ":"
	for rest := h.header; rest != ""; {
		line, after, _ := strings.Cut(rest, "\n")
		rest = after
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return v
		}
	}
	return ""
}
