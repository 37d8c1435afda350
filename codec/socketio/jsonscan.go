package socketio

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxJSONDepth is the deepest nesting of arrays and objects the JSON codec
// accepts in a packet payload. JSON.parse has no such limit; this one keeps
// a hostile peer from making the decoder recurse without bound.
const MaxJSONDepth = 10000

// scanner validates JSON text exactly as JSON.parse accepts it (RFC 8259:
// duplicate names allowed, lone surrogate escapes allowed) and additionally
// requires valid UTF-8, since a Socket.IO text message is UTF-8 on the wire.
// It never allocates on the success path.
//
// When attachments > 0 it also checks the binary placeholders the way the
// reference reconstructor does: an object whose last "_placeholder" member
// is true is a placeholder and its last "num" member must be a valid index;
// objects nested inside a placeholder are not looked at.
type scanner struct {
	data        []byte
	pos         int
	depth       int
	attachments int
}

// errBadPlaceholder reports a placeholder whose num does not name an attachment.
var errBadPlaceholder = errors.New("placeholder num does not name an attachment")

func (s *scanner) syntaxErr(what string) error {
	if s.pos >= len(s.data) {
		return fmt.Errorf("invalid JSON: %s at end of input", what)
	}
	return fmt.Errorf("invalid JSON: %s at offset %d", what, s.pos)
}

func (s *scanner) skipWS() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value scans one JSON value at s.pos. bad reports a placeholder with an
// invalid num somewhere inside (only when attachments > 0).
func (s *scanner) value() (bad bool, err error) {
	if s.pos >= len(s.data) {
		return false, s.syntaxErr("expected a value")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array(nil)
	case c == '"':
		_, err := s.str()
		return false, err
	case c == '-' || isDigit(c):
		return false, s.number()
	case c == 't':
		return false, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return false, s.literal("null")
	}
	return false, s.syntaxErr("unexpected character")
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		return s.syntaxErr("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

func (s *scanner) number() error {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	default:
		s.pos = i
		return s.syntaxErr("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		start := i
		for i < len(d) && isDigit(d[i]) {
			i++
		}
		if i == start {
			s.pos = i
			return s.syntaxErr("invalid number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		start := i
		for i < len(d) && isDigit(d[i]) {
			i++
		}
		if i == start {
			s.pos = i
			return s.syntaxErr("invalid number")
		}
	}
	s.pos = i
	return nil
}

// strSafe marks the bytes that may appear in a JSON string unescaped and
// need no further look: printable ASCII except '"' and '\\'.
var strSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str scans a string at s.pos and reports whether it holds escapes.
func (s *scanner) str() (escaped bool, err error) {
	d := s.data
	i := s.pos + 1
	for {
		for i < len(d) && strSafe[d[i]] {
			i++
		}
		if i >= len(d) {
			s.pos = i
			return escaped, s.syntaxErr("unterminated string")
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				s.pos = i + 1
				return escaped, s.syntaxErr("unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					s.pos = i
					return escaped, s.syntaxErr("invalid \\u escape")
				}
				i += 6
			default:
				s.pos = i
				return escaped, s.syntaxErr("invalid escape")
			}
		case c < 0x20:
			s.pos = i
			return escaped, s.syntaxErr("control character in string")
		default: // c >= 0x80
			r, n := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && n <= 1 {
				s.pos = i
				return escaped, s.syntaxErr("invalid UTF-8")
			}
			i += n
		}
	}
}

func isHex(c byte) bool {
	return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f'
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > MaxJSONDepth {
		return s.syntaxErr(fmt.Sprintf("nesting deeper than %d", MaxJSONDepth))
	}
	return nil
}

// array scans an array at s.pos. When elems is non-nil each element's
// bytes (without surrounding white space) are appended to it.
func (s *scanner) array(elems *[]Raw) (bad bool, err error) {
	if err := s.enter(); err != nil {
		return false, err
	}
	s.pos++ // '['
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		s.depth--
		return false, nil
	}
	for {
		s.skipWS()
		start := s.pos
		b, err := s.value()
		if err != nil {
			return false, err
		}
		bad = bad || b
		if elems != nil {
			*elems = append(*elems, Raw(s.data[start:s.pos:s.pos]))
		}
		s.skipWS()
		if s.pos >= len(s.data) {
			return false, s.syntaxErr("unterminated array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return bad, nil
		default:
			return false, s.syntaxErr("expected ',' or ']'")
		}
	}
}

func (s *scanner) object() (bad bool, err error) {
	if err := s.enter(); err != nil {
		return false, err
	}
	s.pos++ // '{'
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return false, nil
	}
	check := s.attachments > 0
	isPlaceholder := false
	var num []byte
	for {
		s.skipWS()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return false, s.syntaxErr("expected a member name")
		}
		kstart := s.pos
		escaped, err := s.str()
		if err != nil {
			return false, err
		}
		key := s.data[kstart+1 : s.pos-1]
		s.skipWS()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return false, s.syntaxErr("expected ':'")
		}
		s.pos++
		s.skipWS()
		vstart := s.pos
		b, err := s.value()
		if err != nil {
			return false, err
		}
		bad = bad || b
		if check {
			switch {
			case keyIs(key, escaped, "_placeholder"):
				isPlaceholder = string(s.data[vstart:s.pos]) == "true"
			case keyIs(key, escaped, "num"):
				num = s.data[vstart:s.pos]
			}
		}
		s.skipWS()
		if s.pos >= len(s.data) {
			return false, s.syntaxErr("unterminated object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			if isPlaceholder {
				_, ok := placeholderIndex(num, s.attachments)
				return !ok, nil
			}
			return bad, nil
		default:
			return false, s.syntaxErr("expected ',' or '}'")
		}
	}
}

// keyIs compares a member name (raw, between the quotes) with want.
func keyIs(key []byte, escaped bool, want string) bool {
	if !escaped {
		return string(key) == want
	}
	return unquote(key) == want
}

// placeholderIndex resolves the raw JSON value of a placeholder's num:
// it must be a number naming one of n attachments. The reference parser
// also lets a fractional num through (and yields undefined); this codec
// rejects it.
func placeholderIndex(num []byte, n int) (int, bool) {
	if len(num) == 0 || !(num[0] == '-' || isDigit(num[0])) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	if !(f >= 0 && f < float64(n)) || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

// unquote decodes the contents of a JSON string already validated by the
// scanner (without the quotes). Lone surrogates become U+FFFD, since a Go
// string cannot hold them.
func unquote(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch b[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(b[i+2:])
			i += 6
			if utf16.IsSurrogate(r) && r < 0xDC00 && i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
				if r2 := hex4(b[i+2:]); r2 >= 0xDC00 && r2 <= 0xDFFF {
					r = utf16.DecodeRune(r, r2)
					i += 6
				}
			}
			out = utf8.AppendRune(out, r) // a lone surrogate becomes U+FFFD
			continue
		default: // '"', '\\', '/'
			out = append(out, b[i+1])
		}
		i += 2
	}
	return string(out)
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		default:
			r = r<<4 | rune(c|0x20-'a'+10)
		}
	}
	return r
}
