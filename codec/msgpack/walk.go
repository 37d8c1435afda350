package msgpack

import (
	"encoding/binary"
	"fmt"
	"math"
)

// MaxDepth is the deepest nesting of arrays and maps the codec accepts in a
// packet or an argument. It bounds the walker's recursion (and so the stack
// used by vmihailenco/msgpack when it later decodes the same bytes); real
// Socket.IO payloads are far shallower.
const MaxDepth = 100

// walkMode says what the walker does besides validating structure.
type walkMode uint8

const (
	// modeSkip only validates and finds the end of a value.
	modeSkip walkMode = iota
	// modeFromWire rewrites what notepack.io puts on the wire into forms
	// vmihailenco/msgpack decodes: ext 0 with 1 byte (undefined) → nil,
	// fixext8 type 0 (Date) → timestamp ext −1, other ext 0 (ArrayBuffer) →
	// bin, any other ext (except a valid timestamp) → [type, bin] as
	// notepack 2.2 decodes it.
	modeFromWire
	// modeToWire rewrites timestamp ext −1 into notepack 2.2's Date
	// (fixext8 type 0, int64 milliseconds), the only time form notepack
	// 2.2 decodes as a Date.
	modeToWire
)

// walker walks one msgpack value in src, checking every length against the
// buffer and the nesting against MaxDepth, and rewrites it according to
// mode. Rewritten output goes to out, which holds src[base:copied] plus the
// rewrites so far once dirty is set; while nothing has been rewritten the
// value can be used in place.
type walker struct {
	src    []byte
	pos    int
	mode   walkMode
	dirty  bool
	out    []byte
	copied int
}

// errAt formats a walker error naming the byte offset.
func (w *walker) errAt(at int, format string, args ...any) error {
	return fmt.Errorf("msgpack value at byte %d: %s", at, fmt.Sprintf(format, args...))
}

// take reserves n bytes at pos and returns their start.
func (w *walker) take(n int, what string, at int) (int, error) {
	if n < 0 || n > len(w.src)-w.pos {
		return 0, w.errAt(at, "%s of %d bytes runs past the end (%d left)", what, n, len(w.src)-w.pos)
	}
	p := w.pos
	w.pos += n
	return p, nil
}

// length reads a big-endian length of size bytes (1, 2 or 4).
func (w *walker) length(size int, at int) (int, error) {
	p, err := w.take(size, "length", at)
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return int(w.src[p]), nil
	case 2:
		return int(binary.BigEndian.Uint16(w.src[p:])), nil
	default:
		n := binary.BigEndian.Uint32(w.src[p:])
		if uint64(n) > uint64(len(w.src)) {
			return 0, w.errAt(at, "length %d runs past the end (%d left)", n, len(w.src)-w.pos)
		}
		return int(n), nil
	}
}

// replace makes src[from:to] read as repl in the output.
func (w *walker) replace(from, to int, repl ...byte) {
	if !w.dirty {
		w.dirty = true
		w.out = make([]byte, 0, len(w.src)-w.copied+16)
	}
	w.out = append(w.out, w.src[w.copied:from]...)
	w.out = append(w.out, repl...)
	w.copied = to
}

// value walks one value starting at pos.
func (w *walker) value(depth int) error {
	at := w.pos
	if at >= len(w.src) {
		return w.errAt(at, "unexpected end of data")
	}
	c := w.src[at]
	w.pos++
	switch {
	case c <= 0x7f || c >= 0xe0: // positive and negative fixint
		return nil
	case c <= 0x8f:
		return w.container(int(c&0x0f), true, depth, at)
	case c <= 0x9f:
		return w.container(int(c&0x0f), false, depth, at)
	case c <= 0xbf:
		_, err := w.take(int(c&0x1f), "str", at)
		return err
	}
	switch c {
	case 0xc0, 0xc2, 0xc3: // nil, false, true
		return nil
	case 0xc4, 0xc5, 0xc6: // bin 8/16/32
		n, err := w.length(1<<(c-0xc4), at)
		if err != nil {
			return err
		}
		_, err = w.take(n, "bin", at)
		return err
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32
		n, err := w.length(1<<(c-0xc7), at)
		if err != nil {
			return err
		}
		p, err := w.take(1, "ext type", at)
		if err != nil {
			return err
		}
		return w.ext(at, int8(w.src[p]), n, false)
	case 0xca, 0xce, 0xd2: // float32, uint32, int32
		_, err := w.take(4, "number", at)
		return err
	case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
		_, err := w.take(8, "number", at)
		return err
	case 0xcc, 0xd0:
		_, err := w.take(1, "number", at)
		return err
	case 0xcd, 0xd1:
		_, err := w.take(2, "number", at)
		return err
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1/2/4/8/16
		p, err := w.take(1, "ext type", at)
		if err != nil {
			return err
		}
		return w.ext(at, int8(w.src[p]), 1<<(c-0xd4), true)
	case 0xd9, 0xda, 0xdb: // str 8/16/32
		n, err := w.length(1<<(c-0xd9), at)
		if err != nil {
			return err
		}
		_, err = w.take(n, "str", at)
		return err
	case 0xdc, 0xdd: // array 16/32
		n, err := w.length(2<<(c-0xdc), at)
		if err != nil {
			return err
		}
		return w.container(n, false, depth, at)
	case 0xde, 0xdf: // map 16/32
		n, err := w.length(2<<(c-0xde), at)
		if err != nil {
			return err
		}
		return w.container(n, true, depth, at)
	}
	return w.errAt(at, "invalid type byte 0xc1")
}

// container walks n elements (n key/value pairs for a map).
func (w *walker) container(n int, isMap bool, depth int, at int) error {
	if depth >= MaxDepth {
		return w.errAt(at, "nesting deeper than %d", MaxDepth)
	}
	what := "array"
	if isMap {
		what = "map"
		if n > (len(w.src)-w.pos)/2 {
			return w.errAt(at, "map of %d entries cannot fit in the %d bytes left", n, len(w.src)-w.pos)
		}
		n *= 2
	}
	if n > len(w.src)-w.pos {
		return w.errAt(at, "%s of %d elements cannot fit in the %d bytes left", what, n, len(w.src)-w.pos)
	}
	for i := 0; i < n; i++ {
		if err := w.value(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// ext handles an ext value whose header starts at at; the type byte has been
// read and n data bytes follow at pos.
func (w *walker) ext(at int, typ int8, n int, fixed bool) error {
	data, err := w.take(n, "ext data", at)
	if err != nil {
		return err
	}
	switch w.mode {
	case modeFromWire:
		switch {
		case typ == 0 && fixed && n == 1: // notepack undefined
			w.replace(at, w.pos, 0xc0)
		case typ == 0 && fixed && n == 8: // notepack 2.x Date: int64 ms
			ms := int64(binary.BigEndian.Uint64(w.src[data:]))
			w.replace(at, w.pos, timestampFromMillis(ms)...)
		case typ == 0 && !fixed: // notepack ArrayBuffer / typed array
			w.replace(at, data, binHeader(nil, n)...)
		case typ == -1 && validTimestamp(w.src[data:w.pos]): // msgpack timestamp (notepack 3 Date)
			if first := w.src[data]; first == 0xde || first == 0xdf {
				w.replace(at, w.pos, timestamp(timestampParts(w.src[data:w.pos]))...)
			}
		default: // notepack 2.2 decodes any other ext as [type, Buffer]
			hdr := append(make([]byte, 0, 8), 0x92)
			hdr = appendInt(hdr, int64(typ))
			w.replace(at, data, binHeader(hdr, n)...)
		}
	case modeToWire:
		if typ == -1 && validTimestamp(w.src[data:w.pos]) {
			sec, nsec := timestampParts(w.src[data:w.pos])
			if sec > math.MaxInt64/1000-1 || sec < math.MinInt64/1000+1 {
				return w.errAt(at, "timestamp %d s is out of range for a JavaScript Date", sec)
			}
			ms := sec*1000 + int64(nsec/1e6)
			var b [10]byte
			b[0], b[1] = 0xd7, 0x00
			binary.BigEndian.PutUint64(b[2:], uint64(ms))
			w.replace(at, w.pos, b[:]...)
		}
	}
	return nil
}

// validTimestamp reports whether d is the data of a msgpack timestamp
// (ext −1) in one of its three forms with a nanosecond field below 1e9.
func validTimestamp(d []byte) bool {
	switch len(d) {
	case 4:
		return true
	case 8:
		return binary.BigEndian.Uint64(d)>>34 < 1e9
	case 12:
		return binary.BigEndian.Uint32(d) < 1e9
	}
	return false
}

// timestampParts returns seconds and nanoseconds of a valid timestamp.
func timestampParts(d []byte) (sec int64, nsec uint32) {
	switch len(d) {
	case 4:
		return int64(binary.BigEndian.Uint32(d)), 0
	case 8:
		v := binary.BigEndian.Uint64(d)
		return int64(v & (1<<34 - 1)), uint32(v >> 34)
	default:
		return int64(binary.BigEndian.Uint64(d[4:])), binary.BigEndian.Uint32(d)
	}
}

// timestampFromMillis encodes ms since the epoch as a msgpack timestamp
// (ext −1), the form vmihailenco/msgpack decodes as time.Time.
func timestampFromMillis(ms int64) []byte {
	sec, rem := ms/1000, ms%1000
	if rem < 0 {
		sec--
		rem += 1000
	}
	return timestamp(sec, uint32(rem)*1e6)
}

// timestamp encodes sec and nsec as a msgpack timestamp in the smallest
// form, except where that form's first data byte would be 0xde or 0xdf:
// vmihailenco/msgpack's DecodeMapLen looks inside any ext value, and would
// read those as a map16/map32 header and allocate a map of the size the
// following bytes claim. The 96-bit form starts with the nanoseconds, whose
// first byte is below 0x3c.
func timestamp(sec int64, nsec uint32) []byte {
	if sec >= 0 && sec>>34 == 0 {
		if nsec == 0 && sec>>32 == 0 {
			if first := byte(sec >> 24); first != 0xde && first != 0xdf {
				b := []byte{0xd6, 0xff, 0, 0, 0, 0}
				binary.BigEndian.PutUint32(b[2:], uint32(sec))
				return b
			}
		} else if v := uint64(nsec)<<34 | uint64(sec); byte(v>>56) != 0xde && byte(v>>56) != 0xdf {
			b := []byte{0xd7, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}
			binary.BigEndian.PutUint64(b[2:], v)
			return b
		}
	}
	b := []byte{0xc7, 12, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[3:], nsec)
	binary.BigEndian.PutUint64(b[7:], uint64(sec))
	return b
}

// binHeader appends the smallest bin header for n bytes.
func binHeader(dst []byte, n int) []byte {
	switch {
	case n < 1<<8:
		return append(dst, 0xc4, byte(n))
	case n < 1<<16:
		return append(dst, 0xc5, byte(n>>8), byte(n))
	default:
		return append(dst, 0xc6, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// appendInt appends n in the smallest form, as notepack.io and
// vmihailenco/msgpack (compact ints) both write it.
func appendInt(dst []byte, n int64) []byte {
	if n >= 0 {
		return appendUint(dst, uint64(n))
	}
	switch {
	case n >= -32:
		return append(dst, byte(n))
	case n >= math.MinInt8:
		return append(dst, 0xd0, byte(n))
	case n >= math.MinInt16:
		return append(dst, 0xd1, byte(n>>8), byte(n))
	case n >= math.MinInt32:
		return append(dst, 0xd2, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(n))
}

// appendUint appends n in the smallest unsigned form.
func appendUint(dst []byte, n uint64) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n < 1<<8:
		return append(dst, 0xcc, byte(n))
	case n < 1<<16:
		return append(dst, 0xcd, byte(n>>8), byte(n))
	case n < 1<<32:
		return append(dst, 0xce, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcf), n)
}

// appendStr appends s as a msgpack str.
func appendStr(dst []byte, s string) []byte {
	n := len(s)
	switch {
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

// appendArrayHeader appends the header of an array of n elements.
func appendArrayHeader(dst []byte, n int) []byte {
	switch {
	case n < 16:
		return append(dst, 0x90|byte(n))
	case n < 1<<16:
		return append(dst, 0xdc, byte(n>>8), byte(n))
	}
	return append(dst, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// normalizeAt walks the value at buf[pos:] in modeFromWire and returns it
// normalized together with the offset just past it. When nothing needed
// rewriting the result aliases buf (capacity capped to the value).
func normalizeAt(buf []byte, pos int) ([]byte, int, error) {
	w := walker{src: buf, pos: pos, mode: modeFromWire, copied: pos}
	if err := w.value(0); err != nil {
		return nil, 0, err
	}
	if !w.dirty {
		return buf[pos:w.pos:w.pos], w.pos, nil
	}
	return append(w.out, buf[w.copied:w.pos]...), w.pos, nil
}

// skipAt validates the value at buf[pos:] and returns the offset past it.
func skipAt(buf []byte, pos int) (int, error) {
	w := walker{src: buf, pos: pos, mode: modeSkip}
	if err := w.value(0); err != nil {
		return 0, err
	}
	return w.pos, nil
}

// normalize validates that raw is exactly one msgpack value and returns it in
// the form vmihailenco/msgpack decodes (see modeFromWire); raw itself when
// nothing needed rewriting.
func normalize(raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("empty msgpack value")
	}
	out, end, err := normalizeAt(raw, 0)
	if err != nil {
		return nil, err
	}
	if end != len(raw) {
		return nil, fmt.Errorf("%d trailing bytes after the msgpack value", len(raw)-end)
	}
	return out, nil
}

// appendWire validates that raw is exactly one msgpack value and appends it
// to dst in the form notepack.io 2.2 decodes best (see modeToWire).
func appendWire(dst, raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return dst, fmt.Errorf("empty msgpack value")
	}
	w := walker{src: raw, mode: modeToWire, dirty: true, out: dst}
	if err := w.value(0); err != nil {
		return dst, err
	}
	if w.pos != len(raw) {
		return dst, fmt.Errorf("%d trailing bytes after the msgpack value", len(raw)-w.pos)
	}
	return append(w.out, raw[w.copied:]...), nil
}
