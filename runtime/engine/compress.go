package engine

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Polling responses are compressed as the reference server compresses
// them (its httpCompression option, on by default): a response of at least
// HTTPCompressionThreshold bytes is sent gzip- or deflate-encoded when the
// request's Accept-Encoding allows it, gzip preferred. WebSocket frames are
// not compressed (permessage-deflate is off by default in the reference
// too).

// Polling response encodings.
const (
	encodingGzip    = "gzip"
	encodingDeflate = "deflate"
)

// pollEncoding returns the encoding to compress r's poll response with, or
// "" for none.
func (srv *Server) pollEncoding(r *http.Request) string {
	if srv.opts.DisableHTTPCompression {
		return ""
	}
	return acceptedEncoding(r.Header.Values("Accept-Encoding"))
}

// acceptedEncoding picks gzip, else deflate, from Accept-Encoding header
// values: each allowed when listed (or covered by "*") with a q-value above
// zero; a higher q-value wins, gzip on a tie.
func acceptedEncoding(values []string) string {
	var qGzip, qDeflate, qAny float64 = -1, -1, -1
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					if err != nil || f < 0 || f > 1 {
						f = 0
					}
					q = f
				}
			}
			switch name {
			case encodingGzip, "x-gzip":
				qGzip = max(qGzip, q)
			case encodingDeflate:
				qDeflate = max(qDeflate, q)
			case "*":
				qAny = max(qAny, q)
			}
		}
	}
	if qGzip < 0 {
		qGzip = qAny
	}
	if qDeflate < 0 {
		qDeflate = qAny
	}
	switch {
	case qGzip > 0 && qGzip >= qDeflate:
		return encodingGzip
	case qDeflate > 0:
		return encodingDeflate
	}
	return ""
}

var (
	gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}
	zlibWriters = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}
)

// compressInto appends data, encoded with enc (gzip or deflate, that is
// the zlib format, as HTTP's deflate and Node's zlib.createDeflate are), to
// out.
func compressInto(out *bytes.Buffer, enc string, data []byte) error {
	var (
		w    io.WriteCloser
		pool *sync.Pool
	)
	if enc == encodingGzip {
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(out)
		w, pool = zw, &gzipWriters
	} else {
		zw := zlibWriters.Get().(*zlib.Writer)
		zw.Reset(out)
		w, pool = zw, &zlibWriters
	}
	_, err := w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	pool.Put(w)
	return err
}
