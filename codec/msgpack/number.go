package msgpack

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// number is a msgpack scalar read where the packet needs a number (type, id,
// a numeric event name).
type number struct {
	ok       bool // the value is a msgpack int, uint or float
	integral bool // it is a whole number (JavaScript's Number.isInteger)
	neg      bool // integral and below zero
	u        uint64
	f        float64 // the value as JavaScript holds it
}

// readNumber reads a number at buf[pos:] if there is one there. The caller
// has walked the value already, so its bytes are in range.
func readNumber(buf []byte, pos int) number {
	c := buf[pos]
	b := buf[pos+1:]
	switch {
	case c <= 0x7f:
		return number{ok: true, integral: true, u: uint64(c), f: float64(c)}
	case c >= 0xe0:
		return intNumber(int64(int8(c)))
	}
	switch c {
	case 0xcc:
		return uintNumber(uint64(b[0]))
	case 0xcd:
		return uintNumber(uint64(binary.BigEndian.Uint16(b)))
	case 0xce:
		return uintNumber(uint64(binary.BigEndian.Uint32(b)))
	case 0xcf:
		return uintNumber(binary.BigEndian.Uint64(b))
	case 0xd0:
		return intNumber(int64(int8(b[0])))
	case 0xd1:
		return intNumber(int64(int16(binary.BigEndian.Uint16(b))))
	case 0xd2:
		return intNumber(int64(int32(binary.BigEndian.Uint32(b))))
	case 0xd3:
		return intNumber(int64(binary.BigEndian.Uint64(b)))
	case 0xca:
		return floatNumber(float64(math.Float32frombits(binary.BigEndian.Uint32(b))))
	case 0xcb:
		return floatNumber(math.Float64frombits(binary.BigEndian.Uint64(b)))
	}
	return number{}
}

func uintNumber(u uint64) number {
	return number{ok: true, integral: true, u: u, f: float64(u)}
}

func intNumber(i int64) number {
	if i >= 0 {
		return uintNumber(uint64(i))
	}
	return number{ok: true, integral: true, neg: true, f: float64(i)}
}

func floatNumber(f float64) number {
	n := number{ok: true, f: f}
	if !math.IsInf(f, 0) && f == math.Trunc(f) {
		n.integral = true
		switch {
		case f < 0:
			n.neg = true
		case f < 1<<64:
			n.u = uint64(f)
		default:
			n.u = math.MaxUint64 // out of every range the codec accepts
		}
	}
	return n
}

// isUndefined reports whether buf[pos:] holds notepack's undefined
// (fixext1 type 0, "d4 00 xx").
func isUndefined(buf []byte, pos int) bool {
	return len(buf)-pos >= 3 && buf[pos] == 0xd4 && buf[pos+1] == 0
}

// jsNumberString formats f as JavaScript's String(f) does (ECMA-262
// Number::toString with radix 10), so that a numeric event name reads the
// same in Go as in a Node handler.
func jsNumberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	var sb strings.Builder
	if f < 0 {
		sb.WriteByte('-')
		f = -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d[.ddd]e±XX, shortest round-trip digits
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		sb.WriteString(digits)
		sb.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21:
		sb.WriteString(digits[:n])
		sb.WriteByte('.')
		sb.WriteString(digits[n:])
	case -6 < n && n <= 0:
		sb.WriteString("0.")
		sb.WriteString(strings.Repeat("0", -n))
		sb.WriteString(digits)
	default:
		sb.WriteByte(digits[0])
		if k > 1 {
			sb.WriteByte('.')
			sb.WriteString(digits[1:])
		}
		sb.WriteByte('e')
		if n-1 >= 0 {
			sb.WriteByte('+')
		}
		sb.WriteString(strconv.Itoa(n - 1))
	}
	return sb.String()
}
