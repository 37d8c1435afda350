package redisadapter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// A minimal msgpack reader and writer for the envelopes the Redis adapter
// exchanges (arrays, maps with string keys, strings, integers, booleans).
// Values inside (the Socket.IO packet, event arguments) are never decoded
// here: they are cut out as raw bytes and handed to the msgpack codec, which
// knows notepack's forms.

// maxDepth bounds the nesting skip accepts, so hostile input cannot exhaust
// the stack (the msgpack codec applies the same kind of bound).
const maxDepth = 100

var errShort = errors.New("msgpack: message ends early")

// mpReader reads msgpack values from b.
type mpReader struct {
	b   []byte
	pos int
}

func (r *mpReader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errShort
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

// n returns the next k bytes.
func (r *mpReader) n(k int) ([]byte, error) {
	if k < 0 || k > len(r.b)-r.pos {
		return nil, errShort
	}
	s := r.b[r.pos : r.pos+k]
	r.pos += k
	return s, nil
}

func (r *mpReader) uintN(size int) (uint64, error) {
	s, err := r.n(size)
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(s[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(s)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(s)), nil
	default:
		return binary.BigEndian.Uint64(s), nil
	}
}

// length reads a length of size bytes and checks it can fit in what is left
// (each element needs at least min bytes).
func (r *mpReader) length(size, min int) (int, error) {
	u, err := r.uintN(size)
	if err != nil {
		return 0, err
	}
	if min > 0 && u > uint64(len(r.b)-r.pos)/uint64(min) || min == 0 && u > uint64(len(r.b)-r.pos) {
		return 0, errShort
	}
	return int(u), nil
}

// peek returns the next byte without consuming it.
func (r *mpReader) peek() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errShort
	}
	return r.b[r.pos], nil
}

// isNil reports whether the next value is nil or notepack's undefined
// (fixext1 type 0).
func (r *mpReader) isNil() bool {
	if r.pos >= len(r.b) {
		return false
	}
	c := r.b[r.pos]
	return c == 0xc0 || c == 0xd4 && r.pos+3 <= len(r.b) && r.b[r.pos+1] == 0
}

// arrayLen reads an array header.
func (r *mpReader) arrayLen() (int, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case c >= 0x90 && c <= 0x9f:
		return int(c & 0x0f), nil
	case c == 0xdc:
		return r.length(2, 1)
	case c == 0xdd:
		return r.length(4, 1)
	}
	return 0, fmt.Errorf("msgpack: want an array, found 0x%02x", c)
}

// mapLen reads a map header.
func (r *mpReader) mapLen() (int, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch {
	case c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f), nil
	case c == 0xde:
		return r.length(2, 2)
	case c == 0xdf:
		return r.length(4, 2)
	}
	return 0, fmt.Errorf("msgpack: want a map, found 0x%02x", c)
}

// str reads a string.
func (r *mpReader) str() (string, error) {
	c, err := r.byte()
	if err != nil {
		return "", err
	}
	var n int
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n = int(c & 0x1f)
	case c == 0xd9:
		n, err = r.length(1, 0)
	case c == 0xda:
		n, err = r.length(2, 0)
	case c == 0xdb:
		n, err = r.length(4, 0)
	default:
		return "", fmt.Errorf("msgpack: want a string, found 0x%02x", c)
	}
	if err != nil {
		return "", err
	}
	s, err := r.n(n)
	return string(s), err
}

// number reads an integer or a float. integral is false for a float with a
// fraction (or not finite).
func (r *mpReader) number() (f float64, integral bool, err error) {
	c, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch {
	case c <= 0x7f:
		return float64(c), true, nil
	case c >= 0xe0:
		return float64(int8(c)), true, nil
	}
	var u uint64
	switch c {
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, err = r.uintN(1 << (c - 0xcc))
		return float64(u), err == nil, err
	case 0xd0, 0xd1, 0xd2, 0xd3:
		size := 1 << (c - 0xd0)
		u, err = r.uintN(size)
		if err != nil {
			return 0, false, err
		}
		shift := 64 - 8*size
		return float64(int64(u<<shift) >> shift), true, nil
	case 0xca:
		u, err = r.uintN(4)
		f = float64(math.Float32frombits(uint32(u)))
	case 0xcb:
		u, err = r.uintN(8)
		f = math.Float64frombits(u)
	default:
		return 0, false, fmt.Errorf("msgpack: want a number, found 0x%02x", c)
	}
	if err != nil {
		return 0, false, err
	}
	return f, f == math.Trunc(f) && !math.IsInf(f, 0), nil
}

// int reads an integral number that fits an int64 exactly.
func (r *mpReader) int() (int64, error) {
	f, integral, err := r.number()
	if err != nil {
		return 0, err
	}
	if !integral || f < -(1<<53) || f > 1<<53 {
		return 0, fmt.Errorf("msgpack: %v is not a safe integer", f)
	}
	return int64(f), nil
}

// bool reads a boolean.
func (r *mpReader) bool() (bool, error) {
	c, err := r.byte()
	if err != nil {
		return false, err
	}
	switch c {
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	}
	return false, fmt.Errorf("msgpack: want a boolean, found 0x%02x", c)
}

// raw returns the bytes of the next value.
func (r *mpReader) raw() ([]byte, error) {
	start := r.pos
	if err := r.skip(0); err != nil {
		return nil, err
	}
	return r.b[start:r.pos], nil
}

// skip steps over one value of any type.
func (r *mpReader) skip(depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("msgpack: nested deeper than %d", maxDepth)
	}
	c, err := r.byte()
	if err != nil {
		return err
	}
	var n int
	switch {
	case c <= 0x7f, c >= 0xe0, c == 0xc0, c == 0xc2, c == 0xc3:
		return nil
	case c >= 0x80 && c <= 0x8f:
		return r.skipN(int(c&0x0f)*2, depth)
	case c >= 0x90 && c <= 0x9f:
		return r.skipN(int(c&0x0f), depth)
	case c >= 0xa0 && c <= 0xbf:
		_, err = r.n(int(c & 0x1f))
		return err
	}
	switch c {
	case 0xc4, 0xd9: // bin8, str8
		n, err = r.length(1, 0)
	case 0xc5, 0xda:
		n, err = r.length(2, 0)
	case 0xc6, 0xdb:
		n, err = r.length(4, 0)
	case 0xc7, 0xc8, 0xc9: // ext: length, type, data
		n, err = r.length(1<<(c-0xc7), 0)
		n++
	case 0xcc, 0xd0:
		n = 1
	case 0xcd, 0xd1:
		n = 2
	case 0xce, 0xd2, 0xca:
		n = 4
	case 0xcf, 0xd3, 0xcb:
		n = 8
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext: type + 1..16 bytes
		n = 1 + 1<<(c-0xd4)
	case 0xdc:
		if n, err = r.length(2, 1); err == nil {
			return r.skipN(n, depth)
		}
	case 0xdd:
		if n, err = r.length(4, 1); err == nil {
			return r.skipN(n, depth)
		}
	case 0xde:
		if n, err = r.length(2, 2); err == nil {
			return r.skipN(2*n, depth)
		}
	case 0xdf:
		if n, err = r.length(4, 2); err == nil {
			return r.skipN(2*n, depth)
		}
	default: // 0xc1 is never used
		return fmt.Errorf("msgpack: invalid byte 0x%02x", c)
	}
	if err != nil {
		return err
	}
	_, err = r.n(n)
	return err
}

func (r *mpReader) skipN(n, depth int) error {
	for range n {
		if err := r.skip(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// Writers.

func appendStr(dst []byte, s string) []byte {
	switch n := len(s); {
	case n < 32:
		dst = append(dst, 0xa0|byte(n))
	case n < 1<<8:
		dst = append(dst, 0xd9, byte(n))
	case n < 1<<16:
		dst = append(dst, 0xda, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, s...)
}

func appendArrayHeader(dst []byte, n int) []byte {
	switch {
	case n < 16:
		return append(dst, 0x90|byte(n))
	case n < 1<<16:
		return append(dst, 0xdc, byte(n>>8), byte(n))
	}
	return append(dst, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func appendMapHeader(dst []byte, n int) []byte {
	switch {
	case n < 16:
		return append(dst, 0x80|byte(n))
	case n < 1<<16:
		return append(dst, 0xde, byte(n>>8), byte(n))
	}
	return append(dst, 0xdf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendInt writes n in the smallest form, as notepack does.
func appendInt(dst []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= 0x7f:
		return append(dst, byte(n))
	case n < 0 && n >= -32:
		return append(dst, byte(n))
	case n >= 0 && n < 1<<8:
		return append(dst, 0xcc, byte(n))
	case n >= 0 && n < 1<<16:
		return append(dst, 0xcd, byte(n>>8), byte(n))
	case n >= 0 && n < 1<<32:
		return append(dst, 0xce, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	case n >= math.MinInt8 && n < 0:
		return append(dst, 0xd0, byte(n))
	case n >= math.MinInt16 && n < 0:
		return append(dst, 0xd1, byte(n>>8), byte(n))
	case n >= math.MinInt32 && n < 0:
		return append(dst, 0xd2, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	case n > 0:
		return binary.BigEndian.AppendUint64(append(dst, 0xcf), uint64(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(n))
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 0xc3)
	}
	return append(dst, 0xc2)
}

func appendStrArray(dst []byte, ss []string) []byte {
	dst = appendArrayHeader(dst, len(ss))
	for _, s := range ss {
		dst = appendStr(dst, s)
	}
	return dst
}
