package engine

import (
	"bufio"
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// FuzzReadMessage feeds arbitrary bytes to the WebSocket frame reader: it
// must return messages within the size limit or an error, never panic or
// loop.
func FuzzReadMessage(f *testing.F) {
	masked := func(op ws.OpCode, fin bool, p string) []byte {
		b, _ := ws.CompileFrame(ws.MaskFrameWith(ws.NewFrame(op, fin, []byte(p)), [4]byte{1, 2, 3, 4}))
		return b
	}
	f.Add(masked(ws.OpText, true, "4hello"))
	f.Add(append(masked(ws.OpText, false, "4hel"), masked(ws.OpContinuation, true, "lo")...))
	f.Add(masked(ws.OpBinary, true, "\x01\x02\x03"))
	f.Add(append(masked(ws.OpPing, true, "x"), masked(ws.OpClose, true, "\x03\xe8")...))
	f.Add([]byte{0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x81, 0x02, '4', 'x'})
	const max = 1 << 10
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &wsConn{br: bufio.NewReader(bytes.NewReader(data))}
		for i := 0; ; i++ {
			op, msg, err := c.readMessage(max)
			if err != nil {
				return
			}
			if len(msg) > max {
				t.Fatalf("message of %d bytes over the %d limit", len(msg), max)
			}
			if op != ws.OpText && op != ws.OpBinary && op != ws.OpPing && op != ws.OpClose {
				t.Fatalf("opcode %v returned", op)
			}
			if i > len(data) {
				t.Fatal("more messages than input bytes")
			}
		}
	})
}

// FuzzSanitizeUTF8 checks that the polling body decoder always yields valid
// UTF-8 and leaves valid input untouched.
func FuzzSanitizeUTF8(f *testing.F) {
	for _, s := range []string{"4hello", "4a\xffb", "\xe2\x82", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := sanitizeUTF8(b)
		if !utf8.Valid(out) {
			t.Fatalf("sanitizeUTF8(%q) = %q, invalid", b, out)
		}
		if utf8.Valid(b) && !bytes.Equal(out, b) {
			t.Fatalf("valid input changed: %q → %q", b, out)
		}
		if len(out) > 3*len(b) {
			t.Fatalf("output %d bytes for %d input bytes", len(out), len(b))
		}
	})
}

func TestSanitizeUTF8(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", "abc"},
		{"a\xffb", "a\uFFFDb"},
		{"\xe2\x82c", "\uFFFDc"},               // truncated 3-byte sequence: one replacement
		{"\xf0\x9f\x98", "\uFFFD"},             // truncated 4-byte sequence at the end
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"}, // surrogate: each byte
		{"\xc0\xaf", "\uFFFD\uFFFD"},           // overlong
		{"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"é\x80", "é\uFFFD"},
	} {
		if got := string(sanitizeUTF8([]byte(tc.in))); got != tc.want {
			t.Errorf("sanitizeUTF8(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzAcceptEncoding: any Accept-Encoding value picks gzip, deflate or
// nothing, without panicking; a header naming only gzip gets gzip.
func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"gzip, deflate, br", "gzip;q=0, deflate", "*;q=0.5", "identity", "", "gzip;q=", "deflate;q=1.5", ",,;;=,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		switch got := acceptedEncoding([]string{v}); got {
		case "", encodingGzip, encodingDeflate:
		default:
			t.Fatalf("acceptedEncoding(%q) = %q", v, got)
		}
		if got := acceptedEncoding([]string{"gzip"}); got != encodingGzip {
			t.Fatalf("gzip alone: %q", got)
		}
	})
}
