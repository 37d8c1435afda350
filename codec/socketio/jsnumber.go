package socketio

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// This file holds the two JavaScript number conversions the reference
// parser relies on: Number(string), which it uses (loosely) to read the
// attachment count and the ack id of a packet header, and Number::toString,
// which decides how a numeric event name reads as a string and how
// JSON.stringify writes a double.

// maxSafeInteger is Number.MAX_SAFE_INTEGER: the largest ack id this codec
// accepts, since larger ids do not survive a round trip through a JS peer.
const maxSafeInteger = 1<<53 - 1

// isJSSpace reports whether r is a StrWhiteSpaceChar of ECMA-262: the
// characters Number() trims and treats as zero on their own.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// decodeRune decodes the rune at the start of b; ASCII takes the fast path.
func decodeRune(b []byte) (rune, int) {
	if len(b) > 0 && b[0] < utf8.RuneSelf {
		return rune(b[0]), 1
	}
	return utf8.DecodeRune(b)
}

// trimJSSpace removes leading and trailing StrWhiteSpaceChars.
func trimJSSpace(b []byte) []byte {
	for len(b) > 0 {
		r, n := decodeRune(b)
		if !isJSSpace(r) {
			break
		}
		b = b[n:]
	}
	for len(b) > 0 {
		r, n := utf8.DecodeLastRune(b)
		if b[len(b)-1] < utf8.RuneSelf {
			r, n = rune(b[len(b)-1]), 1
		}
		if !isJSSpace(r) {
			break
		}
		b = b[:len(b)-n]
	}
	return b
}

// jsNumber converts b as JavaScript's Number(string) does: surrounding
// white space is ignored, an empty string is 0, 0x/0o/0b prefixes select a
// radix, "Infinity" is accepted with an optional sign, and anything else that
// is not a decimal literal is NaN.
func jsNumber(b []byte) float64 {
	b = trimJSSpace(b)
	if len(b) == 0 {
		return 0
	}
	if len(b) > 2 && b[0] == '0' {
		radix := 0
		switch b[1] {
		case 'x', 'X':
			radix = 16
		case 'o', 'O':
			radix = 8
		case 'b', 'B':
			radix = 2
		}
		if radix != 0 {
			return parseRadix(b[2:], radix)
		}
	}
	s := b
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	if string(s) == "Infinity" {
		if b[0] == '-' {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	if !isDecimalLiteral(s) {
		return math.NaN()
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !isRangeErr(err) {
		return math.NaN()
	}
	return f
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// parseRadix reads unsigned digits in the given radix; NaN if any is invalid.
func parseRadix(b []byte, radix int) float64 {
	v := 0.0
	for _, c := range b {
		d := 99
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'z':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'Z':
			d = int(c-'A') + 10
		}
		if d >= radix {
			return math.NaN()
		}
		v = v*float64(radix) + float64(d)
	}
	return v
}

// isDecimalLiteral reports whether s (sign removed) is an unsigned
// StrDecimalLiteral: digits with an optional fraction, or a fraction alone,
// then an optional exponent. Numeric separators are not allowed.
func isDecimalLiteral(s []byte) bool {
	i, digits := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// appendJSNumber appends f as JavaScript's Number::toString writes it:
// the shortest digits that round-trip, plain notation for magnitudes in
// [1e-6, 1e21), exponent notation ("1e+21", "1.5e-7") otherwise, "0" for
// negative zero, and "NaN" / "Infinity" / "-Infinity".
func appendJSNumber(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		return append(dst, '0')
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	// Integers below 2^53 print as themselves; skip the float formatting.
	if f < 1<<53 && f == math.Trunc(f) {
		return strconv.AppendUint(dst, uint64(f), 10)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d[.ddd]e±XX
	mant, exp := e, 0
	for i := range e {
		if e[i] == 'e' {
			mant = e[:i]
			exp, _ = strconv.Atoi(string(e[i+1:]))
			break
		}
	}
	var digits [24]byte
	k := 0
	for _, c := range mant {
		if c != '.' {
			digits[k] = c
			k++
		}
	}
	s := digits[:k]
	n := exp + 1 // the decimal point sits after n digits
	switch {
	case k <= n && n <= 21:
		dst = append(dst, s...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, s[:n]...)
		dst = append(dst, '.')
		dst = append(dst, s[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	default:
		dst = append(dst, s[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, s[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}
