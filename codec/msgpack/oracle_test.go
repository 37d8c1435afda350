package msgpack

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/internal/nodetest"
)

// oracle drives interop/codec/msgpack-oracle.mjs: one node process answering
// JSON lines with the npm socket.io-msgpack-parser.
type oracle struct {
	t     testing.TB
	lines *nodetest.Lines
}

type oracleReply struct {
	OK     bool            `json:"ok"`
	B64    string          `json:"b64"`
	Packet json.RawMessage `json:"packet"`
	Value  json.RawMessage `json:"value"`
	Error  string          `json:"error"`
}

func startOracle(t testing.TB) *oracle {
	t.Helper()
	return &oracle{t: t, lines: nodetest.StartLines(t, "codec/msgpack-oracle.mjs", 3*time.Minute)}
}

func (o *oracle) call(req map[string]any) oracleReply {
	o.t.Helper()
	line, err := json.Marshal(req)
	if err != nil {
		o.t.Fatal(err)
	}
	resp, err := o.lines.Call(line)
	if err != nil {
		o.t.Fatalf("oracle: %v", err)
	}
	var r oracleReply
	if err := json.Unmarshal(resp, &r); err != nil {
		o.t.Fatalf("oracle reply %q: %v", resp, err)
	}
	return r
}

// encode has the npm Encoder encode the packet described in tagged JSON.
func (o *oracle) encode(spec any) []byte {
	o.t.Helper()
	r := o.call(map[string]any{"op": "encode", "packet": spec})
	if !r.OK {
		o.t.Fatalf("oracle encode %s: %s", mustJSON(spec), r.Error)
	}
	b, err := base64.StdEncoding.DecodeString(r.B64)
	if err != nil {
		o.t.Fatal(err)
	}
	return b
}

// decode has the npm Decoder decode b; it returns the canonical packet, or
// the error message when the parser rejects b.
func (o *oracle) decode(b []byte) (any, string) {
	o.t.Helper()
	r := o.call(map[string]any{"op": "decode", "b64": base64.StdEncoding.EncodeToString(b)})
	if !r.OK {
		return nil, r.Error
	}
	var v any
	if err := json.Unmarshal(r.Packet, &v); err != nil {
		o.t.Fatal(err)
	}
	return v, ""
}

// reencode has JS decode b and encode the decoded object again.
func (o *oracle) reencode(b []byte) []byte {
	o.t.Helper()
	r := o.call(map[string]any{"op": "reencode", "b64": base64.StdEncoding.EncodeToString(b)})
	if !r.OK {
		o.t.Fatalf("oracle reencode % x: %s", b, r.Error)
	}
	out, _ := base64.StdEncoding.DecodeString(r.B64)
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// jsonNormalize round-trips v through JSON so Go and JS values compare with
// reflect.DeepEqual.
func jsonNormalize(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("canonical %#v: %v", v, err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// canonPacket is the Go side of the oracle's canonical packet form.
func canonPacket(t testing.TB, p *socketio.Packet) any {
	t.Helper()
	out := map[string]any{"type": int(p.Type), "nsp": p.Namespace}
	switch p.Type {
	case socketio.Event, socketio.Ack:
		var data []any
		if p.Type == socketio.Event {
			data = append(data, p.Event)
		}
		for i, a := range p.Args {
			v, err := canonValue(a)
			if err != nil {
				t.Fatalf("arg %d % x: %v", i, []byte(a), err)
			}
			data = append(data, v)
		}
		if data == nil {
			data = []any{}
		}
		out["data"] = data
	default:
		if p.Data != nil {
			v, err := canonValue(p.Data)
			if err != nil {
				t.Fatalf("data % x: %v", []byte(p.Data), err)
			}
			out["data"] = v
		}
	}
	if p.HasID() {
		out["id"] = p.ID
	}
	return jsonNormalize(t, out)
}

// canonValue turns one normalized msgpack value into the oracle's canonical
// JSON form.
func canonValue(b []byte) (any, error) {
	v, end, err := canonAt(b, 0)
	if err != nil {
		return nil, err
	}
	if end != len(b) {
		return nil, fmt.Errorf("%d trailing bytes", len(b)-end)
	}
	return v, nil
}

func canonNumber(f float64) any {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return map[string]any{"$num": jsNumberString(f)}
	case f == 0 && math.Signbit(f):
		return map[string]any{"$num": "-0"}
	}
	return f
}

func canonAt(b []byte, pos int) (any, int, error) {
	end, err := skipAt(b, pos)
	if err != nil {
		return nil, 0, err
	}
	c := b[pos]
	switch kindOf(c) {
	case kindNumber:
		return canonNumber(readNumber(b, pos).f), end, nil
	case kindString:
		s, _ := strAt(b, pos)
		return jsUTF8(s), end, nil
	case kindArray, kindMap:
		var n, h int
		switch {
		case c >= 0x80 && c <= 0x9f:
			n, h = int(c&0x0f), 1
		case c == 0xdc || c == 0xde:
			n, h = int(b[pos+1])<<8|int(b[pos+2]), 3
		default:
			n, h = int(b[pos+1])<<24|int(b[pos+2])<<16|int(b[pos+3])<<8|int(b[pos+4]), 5
		}
		p := pos + h
		if kindOf(c) == kindArray {
			arr := make([]any, n)
			for i := range arr {
				if arr[i], p, err = canonAt(b, p); err != nil {
					return nil, 0, err
				}
			}
			return arr, end, nil
		}
		m := map[string]any{}
		for i := 0; i < n; i++ {
			var k, v any
			if k, p, err = canonAt(b, p); err != nil {
				return nil, 0, err
			}
			if v, p, err = canonAt(b, p); err != nil {
				return nil, 0, err
			}
			ks, err := jsKey(k)
			if err != nil {
				return nil, 0, err
			}
			m[ks] = v
		}
		return m, end, nil
	}
	switch {
	case c == 0xc0:
		return nil, end, nil
	case c == 0xc2:
		return false, end, nil
	case c == 0xc3:
		return true, end, nil
	case c >= 0xc4 && c <= 0xc6:
		h := [...]int{2, 3, 5}[c-0xc4] // code + length bytes
		return map[string]any{"$bin": base64.StdEncoding.EncodeToString(b[pos+h : end])}, end, nil
	}
	// Only a timestamp ext −1 is left in normalized data.
	var d []byte
	switch c {
	case 0xd6:
		d = b[pos+2 : end]
	case 0xd7:
		d = b[pos+2 : end]
	case 0xc7:
		d = b[pos+3 : end]
	}
	if d == nil || b[end-len(d)-1] != 0xff || !validTimestamp(d) {
		return nil, 0, fmt.Errorf("unexpected value % x in normalized data", b[pos:end])
	}
	sec, nsec := timestampParts(d)
	return map[string]any{"$date": float64(sec*1000 + int64(nsec/1e6))}, end, nil
}

// jsKey is String(k) in JavaScript for a canonical value k used as an
// object key.
func jsKey(k any) (string, error) {
	switch k := k.(type) {
	case string:
		return k, nil
	case float64:
		return jsNumberString(k), nil
	case nil:
		return "null", nil
	case bool:
		return fmt.Sprint(k), nil
	case []any:
		parts := make([]string, len(k))
		for i, e := range k {
			if e == nil {
				continue
			}
			s, err := jsKey(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	case map[string]any:
		if n, ok := k["$num"].(string); ok {
			if n == "-0" {
				return "0", nil
			}
			return n, nil
		}
		if b, ok := k["$bin"].(string); ok {
			raw, _ := base64.StdEncoding.DecodeString(b)
			return jsUTF8(raw), nil
		}
		if _, ok := k["$date"]; ok {
			return "", fmt.Errorf("a Date map key has no canonical form")
		}
		return "[object Object]", nil
	}
	return "", fmt.Errorf("map key %#v has no canonical form", k)
}

// jsUTF8 decodes b as Node's Buffer.toString("utf8") does: each maximal
// invalid subpart (WHATWG) becomes one U+FFFD.
func jsUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			sb.WriteRune(r)
			i += n
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += maximalSubpart(b[i:])
	}
	return sb.String()
}

// maximalSubpart is the length of the invalid UTF-8 sequence at the start of
// b that WHATWG's decoder replaces with one U+FFFD.
func maximalSubpart(b []byte) int {
	lo, hi, need := byte(0x80), byte(0xbf), 0
	switch c := b[0]; {
	case c >= 0xc2 && c <= 0xdf:
		need = 1
	case c == 0xe0:
		lo, need = 0xa0, 2
	case c >= 0xe1 && c <= 0xef:
		need = 2
		if c == 0xed {
			hi = 0x9f
		}
	case c == 0xf0:
		lo, need = 0x90, 3
	case c >= 0xf1 && c <= 0xf3:
		need = 3
	case c == 0xf4:
		hi, need = 0x8f, 3
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xbf
	}
	return n
}

// Tagged-JSON helpers for the oracle (see msgpack-oracle.mjs).

// kv is one key of an ordered object.
type kv struct {
	K string
	V any
}

// obj is a JS object literal with its key order.
type obj []kv

// MarshalJSON writes the keys in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(e.K)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(e.V)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func jsUndef() any            { return map[string]any{"$u": 1} }
func jsBuf(b []byte) any      { return map[string]any{"$buf": b} } // []byte marshals as base64
func jsAB(b []byte) any       { return map[string]any{"$ab": b} }
func jsU8(b []byte) any       { return map[string]any{"$u8": b} }
func jsDate(ms float64) any   { return map[string]any{"$date": ms} }
func jsNum(s string) any      { return map[string]any{"$num": s} }
func deepEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
