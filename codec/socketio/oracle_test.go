package socketio

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/internal/nodetest"
)

// oracle is one long-lived node process running interop/codec/oracle.mjs:
// the npm engine.io-parser and socket.io-parser behind JSON lines.
type oracle struct {
	lines *nodetest.Lines
	id    int
}

// oracleDeadline bounds the whole conversation with node; after it the
// process is killed and the pending call fails.
const oracleDeadline = 3 * time.Minute

func startOracle(t testing.TB) *oracle {
	t.Helper()
	return &oracle{lines: nodetest.StartLines(t, "codec/oracle.mjs", oracleDeadline)}
}

// call sends one request and decodes its result into result.
func (o *oracle) call(t testing.TB, op string, req map[string]any, result any) {
	t.Helper()
	o.id++
	req["id"] = o.id
	req["op"] = op
	b, err := json.Marshal(req, json.Deterministic(true))
	if err != nil {
		t.Fatalf("oracle %s: marshal request: %v", op, err)
	}
	line, err := o.lines.Call(b)
	if err != nil {
		t.Fatalf("oracle %s: %v", op, err)
	}
	var resp struct {
		ID     int            `json:"id"`
		OK     bool           `json:"ok"`
		Result jsontext.Value `json:"result"`
		Error  string         `json:"error"`
	}
	if err := json.Unmarshal(line, &resp, jsontext.AllowInvalidUTF8(true)); err != nil {
		t.Fatalf("oracle %s: bad reply %.200q: %v", op, line, err)
	}
	if resp.ID != o.id || !resp.OK {
		t.Fatalf("oracle %s: request %d failed: %s", op, o.id, resp.Error)
	}
	if err := json.Unmarshal(resp.Result, result, jsontext.AllowInvalidUTF8(true)); err != nil {
		t.Fatalf("oracle %s: result %.200s: %v", op, resp.Result, err)
	}
}

// wireMsg is one Engine.IO message (or Socket.IO message) as the oracle
// exchanges it: text, or binary as base64.
type wireMsg struct {
	T *string `json:"t,omitzero"`
	B *string `json:"b,omitzero"`
}

func textMsg(s string) wireMsg { return wireMsg{T: &s} }
func binMsg(b []byte) wireMsg {
	s := base64.StdEncoding.EncodeToString(b)
	return wireMsg{B: &s}
}

func (m wireMsg) String() string {
	if m.B != nil {
		return "bin:" + *m.B
	}
	return strconv.Quote(*m.T)
}

// message turns a wire message into the Engine.IO message packet the
// Socket.IO decoder receives.
func (m wireMsg) message(t testing.TB) engineio.Packet {
	if m.B != nil {
		b, err := base64.StdEncoding.DecodeString(*m.B)
		if err != nil {
			t.Fatal(err)
		}
		return engineio.BinaryPacket(b)
	}
	return engineio.TextPacket(engineio.Message, *m.T)
}

func toWire(ms []engineio.Packet) []wireMsg {
	out := make([]wireMsg, len(ms))
	for i, m := range ms {
		if m.Binary {
			out[i] = binMsg(m.Data)
		} else {
			out[i] = textMsg(string(m.Data))
		}
	}
	return out
}

// sioView is a decoded Socket.IO packet in a form both sides can produce:
// the oracle's view of a JS packet, or viewOf(p) for a Go packet.
type sioView struct {
	Type int            `json:"type"`
	Nsp  string         `json:"nsp"`
	ID   *string        `json:"id,omitzero"`
	Name *string        `json:"name,omitzero"`
	Args jsontext.Value `json:"args,omitzero"` // JSON array, binary as {"$b":...}
	Data jsontext.Value `json:"data,omitzero"`
}

// key renders the view canonically (see canon), so two views compare as
// strings. An event without payload and one with [""] read the same, as do
// an ack without payload and one with []: the Go Packet does not tell
// them apart.
func (v sioView) key(att [][]byte) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "type=%d nsp=%q", v.Type, v.Nsp)
	if v.ID != nil {
		fmt.Fprintf(&b, " id=%s", *v.ID)
	}
	args := ""
	if v.Args != nil {
		a, err := canon(v.Args, att)
		if err != nil {
			return "", err
		}
		args = a
	}
	name := ""
	if v.Name != nil {
		name = *v.Name
	}
	if (v.Type == int(Event) && (name != "" || args != "[]" && args != "")) || (v.Type == int(Ack) && args != "[]" && args != "") {
		fmt.Fprintf(&b, " name=%q args=%s", name, args)
	}
	if v.Data != nil {
		d, err := canon(v.Data, att)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, " data=%s", d)
	}
	return b.String(), nil
}

// viewOf is the view of a Go packet; its canonical key resolves
// placeholders from p.Attachments.
func viewOf(p *Packet) sioView {
	v := sioView{Type: int(p.Type), Nsp: p.Namespace}
	if p.ID >= 0 {
		s := strconv.FormatInt(p.ID, 10)
		v.ID = &s
	}
	switch p.Type {
	case Event, Ack:
		if p.Type == Event {
			name := p.Event
			v.Name = &name
		}
		v.Args = jsontext.Value(joinArgs(p.Args))
	default:
		if p.Data != nil {
			v.Data = jsontext.Value(p.Data)
		}
	}
	return v
}

func joinArgs(args []Raw) []byte {
	b := []byte{'['}
	for i, a := range args {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, a...)
	}
	return append(b, ']')
}

func keyOf(t testing.TB, p *Packet) string {
	t.Helper()
	k, err := viewOf(p).key(p.Attachments)
	if err != nil {
		t.Fatalf("view of %+v: %v", p, err)
	}
	return k
}

// canon renders a JSON value as JS would hold it, canonically: numbers as
// doubles written by Number::toString (non-finite as null, like
// JSON.stringify), strings re-quoted, object members deduplicated (last
// wins) and sorted, and, when att is non-nil, binary placeholders replaced
// by {"$b":"<base64>"} the way the oracle tags JS buffers.
func canon(raw []byte, att [][]byte) (string, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	s, bad, err := canonValue(dec, att)
	if err != nil {
		return "", err
	}
	if bad {
		return "", ErrBadPlaceholder
	}
	return s, nil
}

func canonValue(dec *jsontext.Decoder, att [][]byte) (s string, bad bool, err error) {
	switch dec.PeekKind() {
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return "", false, err
		}
		var parts []string
		for dec.PeekKind() != ']' {
			e, b, err := canonValue(dec, att)
			if err != nil {
				return "", false, err
			}
			bad = bad || b
			parts = append(parts, e)
		}
		if _, err := dec.ReadToken(); err != nil {
			return "", false, err
		}
		return "[" + strings.Join(parts, ",") + "]", bad, nil
	case '{':
		if _, err := dec.ReadToken(); err != nil {
			return "", false, err
		}
		members := map[string]string{}
		for dec.PeekKind() != '}' {
			kt, err := dec.ReadToken()
			if err != nil {
				return "", false, err
			}
			k := kt.String() // the token is void after the next read
			e, b, err := canonValue(dec, att)
			if err != nil {
				return "", false, err
			}
			bad = bad || b
			members[k] = e
		}
		if _, err := dec.ReadToken(); err != nil {
			return "", false, err
		}
		if att != nil && members["_placeholder"] == "true" {
			i, ok := placeholderIndex([]byte(members["num"]), len(att))
			if !ok {
				return "null", true, nil
			}
			return `{"$b":"` + base64.StdEncoding.EncodeToString(att[i]) + `"}`, false, nil
		}
		keys := make([]string, 0, len(members))
		for k := range members {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b []byte
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = append(b, members[k]...)
		}
		return string(append(b, '}')), bad, nil
	}
	v, err := dec.ReadValue()
	if err != nil {
		return "", false, err
	}
	switch v.Kind() {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s, jsontext.AllowInvalidUTF8(true)); err != nil {
			return "", false, err
		}
		return string(appendJSONString(nil, s)), false, nil
	case '0':
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !isRangeErr(err) {
			return "", false, err
		}
		n := string(appendJSNumber(nil, f))
		if n == "NaN" || strings.HasSuffix(n, "Infinity") {
			n = "null"
		}
		return n, false, nil
	}
	return string(v), false, nil
}

// eioView is an Engine.IO packet as the oracle reports it.
type eioView struct {
	Type string         `json:"type"`
	Data jsontext.Value `json:"data,omitzero"` // a string, or {"$b":...}
}

// eioKey renders an Engine.IO packet for comparison; a missing data and an
// empty string read the same.
func eioKey(p engineio.Packet) string {
	if p.Binary {
		return "message bin:" + base64.StdEncoding.EncodeToString(p.Data)
	}
	return p.Type.String() + " " + strconv.Quote(string(p.Data))
}

func (v eioView) key(t testing.TB) string {
	if len(v.Data) == 0 {
		return v.Type + ` ""`
	}
	if v.Data.Kind() == '{' {
		var b struct {
			B string `json:"$b"`
		}
		if err := json.Unmarshal(v.Data, &b); err != nil {
			t.Fatal(err)
		}
		return v.Type + " bin:" + b.B
	}
	var s string
	if err := json.Unmarshal(v.Data, &s); err != nil {
		t.Fatal(err)
	}
	return v.Type + " " + strconv.Quote(s)
}

func eioPacketReq(p engineio.Packet) map[string]any {
	m := map[string]any{"type": p.Type.String()}
	if p.Binary {
		m["data"] = map[string]any{"$b": base64.StdEncoding.EncodeToString(p.Data)}
	} else if len(p.Data) > 0 {
		m["data"] = string(p.Data)
	}
	return m
}
