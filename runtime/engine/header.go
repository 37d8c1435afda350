package engine

import (
	"net/http"
	"net/textproto"
	"strings"
)

// A session keeps its first request's headers packed in one string, one
// "Key:value\n" line per value, instead of the request's http.Header: a map,
// a slice per key and a string per value cost several hundred bytes per
// idle connection, the packed form about the bytes of the headers. Headers
// read from the network never have ':' or '\n' in a key nor '\n' in a value
// (net/http refuses them), but a handler in front of the engine may set
// anything, and a key with no values would be lost: such a header map is
// kept as a copy instead (Handshake.headerMap).

// packHeader returns h in the packed form, or false when it cannot be
// packed without loss.
func packHeader(h http.Header) (string, bool) {
	n := 0
	for k, vs := range h {
		if len(vs) == 0 || k == "" || strings.ContainsAny(k, ":\n") {
			return "", false
		}
		n += len(vs) * (len(k) + 2)
		for _, v := range vs {
			if strings.IndexByte(v, '\n') >= 0 {
				return "", false
			}
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
	return b.String(), true
}

// setHeader stores h in the handshake, packed when possible.
func (h *Handshake) setHeader(hdr http.Header) {
	if packed, ok := packHeader(hdr); ok {
		h.header = packed
	} else {
		h.headerMap = hdr.Clone()
	}
}

// Header returns the first request's headers (without Host, which net/http
// keeps in Handshake.Host). Each call builds a new map from the session's
// packed copy, which the caller may keep and modify.
func (h *Handshake) Header() http.Header {
	if h.headerMap != nil {
		return h.headerMap.Clone()
	}
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
	if h.headerMap != nil {
		return h.headerMap.Get(name)
	}
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
