package msgpack

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// benchPacket is one entry of codec/testdata/bench-packets.json, the packets
// interop/codec/bench.mjs times with the npm parsers (msgpack included).
type benchPacket struct {
	Name        string   `json:"name"`
	Type        int      `json:"type"`
	Nsp         string   `json:"nsp"`
	ID          *int64   `json:"id"`
	JSON        string   `json:"json"`
	Attachments []string `json:"attachments"`
}

type benchEntry struct {
	p   *socketio.Packet
	msg engineio.Packet // the packet as Encode writes it
	bp  benchPacket
}

func loadBenchPackets(tb testing.TB) map[string]benchEntry {
	tb.Helper()
	data, err := os.ReadFile("../testdata/bench-packets.json")
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Packets []benchPacket `json:"packets"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatal(err)
	}
	out := map[string]benchEntry{}
	for _, bp := range doc.Packets {
		var atts [][]byte
		for _, a := range bp.Attachments {
			raw, err := base64.StdEncoding.DecodeString(a)
			if err != nil {
				tb.Fatal(err)
			}
			atts = append(atts, raw)
		}
		dec := json.NewDecoder(strings.NewReader(bp.JSON))
		dec.UseNumber()
		tok, err := dec.Token()
		if err != nil || tok != json.Delim('[') {
			tb.Fatalf("%s: data is not an array", bp.Name)
		}
		p := &socketio.Packet{Type: socketio.PacketType(bp.Type), Namespace: bp.Nsp, ID: socketio.NoID}
		if bp.ID != nil {
			p.ID = *bp.ID
		}
		for i := 0; dec.More(); i++ {
			v, err := jsonToMsgpack(nil, dec, atts)
			if err != nil {
				tb.Fatalf("%s: %v", bp.Name, err)
			}
			if i == 0 && p.Type == socketio.Event {
				s, _ := strAt(v, 0)
				p.Event = string(s)
				continue
			}
			p.Args = append(p.Args, v)
		}
		ms, err := Codec{}.Encode(p)
		if err != nil {
			tb.Fatalf("%s: %v", bp.Name, err)
		}
		out[bp.Name] = benchEntry{p, ms[0], bp}
	}
	return out
}

// jsonToMsgpack converts the next JSON value of dec to msgpack the way
// notepack encodes the same JavaScript value, keeping key order; a
// {"_placeholder":true,"num":N} becomes atts[N] as bin.
func jsonToMsgpack(dst []byte, dec *json.Decoder, atts [][]byte) ([]byte, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return append(dst, 0xc0), nil
	case bool:
		if t {
			return append(dst, 0xc3), nil
		}
		return append(dst, 0xc2), nil
	case string:
		return appendStr(dst, t), nil
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return appendInt(dst, i), nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, err
		}
		var p socketio.Packet
		_ = Codec{}.AppendArg(&p, f)
		return append(dst, p.Args[0]...), nil
	case json.Delim:
		var elems [][]byte
		var keys []string
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				keys = append(keys, k.(string))
			}
			v, err := jsonToMsgpack(nil, dec, atts)
			if err != nil {
				return nil, err
			}
			elems = append(elems, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		if t == '[' {
			dst = appendArrayHeader(dst, len(elems))
			for _, e := range elems {
				dst = append(dst, e...)
			}
			return dst, nil
		}
		if len(keys) == 2 && keys[0] == "_placeholder" && keys[1] == "num" {
			n := int(readNumber(elems[1], 0).u)
			return append(binHeader(dst, len(atts[n])), atts[n]...), nil
		}
		dst = append(dst, 0x80|byte(len(keys))) // bench objects are small
		for i, k := range keys {
			dst = append(appendStr(dst, k), elems[i]...)
		}
		return dst, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// TestBenchPacketsMatchNpm checks that the benchmarked encodings are the
// npm parser's bytes for the same packet objects (server key order).
func TestBenchPacketsMatchNpm(t *testing.T) {
	o := startOracle(t)
	for name, e := range loadBenchPackets(t) {
		var data any
		if err := json.Unmarshal([]byte(e.bp.JSON), &data); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(e.bp.JSON))
		tagged, err := jsonToTagged(dec, e.bp.Attachments)
		if err != nil {
			t.Fatal(err)
		}
		spec := obj{{"type", e.bp.Type}, {"data", tagged}}
		if e.bp.ID != nil {
			spec = append(spec, kv{"id", *e.bp.ID})
		}
		if e.p.Type == socketio.Ack {
			spec = obj{{"id", *e.bp.ID}, {"type", e.bp.Type}, {"data", tagged}}
		}
		spec = append(spec, kv{"nsp", e.bp.Nsp})
		if want := o.encode(spec); !bytes.Equal(e.msg.Data, want) {
			t.Errorf("%s: Go % x\n npm % x", name, e.msg.Data, want)
		}
	}
}

// jsonToTagged turns JSON with placeholders into the oracle's tagged JSON
// (an ordered obj, placeholders as Buffers).
func jsonToTagged(dec *json.Decoder, atts []string) (any, error) {
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if d == '[' {
		arr := []any{}
		for dec.More() {
			v, err := jsonToTagged(dec, atts)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	o := obj{}
	for dec.More() {
		k, _ := dec.Token()
		v, err := jsonToTagged(dec, atts)
		if err != nil {
			return nil, err
		}
		o = append(o, kv{k.(string), v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if len(o) == 2 && o[0].K == "_placeholder" {
		return map[string]any{"$buf": atts[int(o[1].V.(float64))]}, nil
	}
	return o, nil
}

// benchChat is the typical chat message of the "event" bench packet.
type benchChat struct {
	Room string `json:"room"`
	User string `json:"user"`
	Text string `json:"text"`
	TS   int64  `json:"ts"`
}

type benchUpload struct {
	Name string `json:"name"`
	Size int    `json:"size"`
	Data []byte `json:"data"`
}

type benchAck struct {
	Members int  `json:"members"`
	OK      bool `json:"ok"`
}

// cpuSeconds is the CPU time the process has used (user + system), so that
// packets per CPU second compare with interop/codec/bench.mjs on a shared
// machine.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func reportPackets(b *testing.B, start float64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
	if cpu := cpuSeconds() - start; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu, "packets/cpu-s")
	}
}

func benchEncode(b *testing.B, name string, build func(e benchEntry) *socketio.Packet) {
	e := loadBenchPackets(b)[name]
	b.ReportAllocs()
	b.SetBytes(int64(len(e.msg.Data)))
	start := cpuSeconds()
	for b.Loop() {
		p := e.p
		if build != nil {
			p = build(e)
		}
		out, err := Codec{}.Encode(p)
		if err != nil || len(out[0].Data) != len(e.msg.Data) {
			b.Fatalf("% x %v", out[0].Data, err)
		}
	}
	reportPackets(b, start)
}

func benchDecode(b *testing.B, name string, unmarshal func(p *socketio.Packet) error) {
	e := loadBenchPackets(b)[name]
	b.ReportAllocs()
	b.SetBytes(int64(len(e.msg.Data)))
	start := cpuSeconds()
	for b.Loop() {
		d := decoder{}
		p, err := d.Decode(e.msg)
		if err != nil {
			b.Fatal(err)
		}
		if unmarshal != nil {
			if err := unmarshal(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportPackets(b, start)
}

// BenchmarkMsgpackEncodeEvent encodes the typical chat event whose argument
// is already raw msgpack (a relayed or pre-marshaled event).
func BenchmarkMsgpackEncodeEvent(b *testing.B) { benchEncode(b, "event", nil) }

// BenchmarkMsgpackEncodeEventMarshal marshals the chat struct with
// AppendArg and encodes the packet: the full cost of an emit.
func BenchmarkMsgpackEncodeEventMarshal(b *testing.B) {
	msg := benchChat{"general", "alice", "hello world", 1700000000000}
	benchEncode(b, "event", func(benchEntry) *socketio.Packet {
		p := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "message"}
		if err := (Codec{}).AppendArg(p, msg); err != nil {
			b.Fatal(err)
		}
		return p
	})
}

func BenchmarkMsgpackEncodeBinaryEvent(b *testing.B) { benchEncode(b, "binary-event", nil) }

// BenchmarkMsgpackEncodeBinaryEventMarshal marshals a struct with a
// []byte field (bin) and encodes the packet.
func BenchmarkMsgpackEncodeBinaryEventMarshal(b *testing.B) {
	e := loadBenchPackets(b)["binary-event"]
	var up benchUpload
	if err := (Codec{}).Unmarshal(e.p, e.p.Args[0], &up); err != nil {
		b.Fatal(err)
	}
	benchEncode(b, "binary-event", func(benchEntry) *socketio.Packet {
		p := &socketio.Packet{Type: socketio.Event, Namespace: "/", ID: socketio.NoID, Event: "upload"}
		if err := (Codec{}).AppendArg(p, up); err != nil {
			b.Fatal(err)
		}
		return p
	})
}

func BenchmarkMsgpackEncodeAck(b *testing.B) { benchEncode(b, "ack", nil) }

// BenchmarkMsgpackDecodeEvent decodes the chat event to raw arguments.
func BenchmarkMsgpackDecodeEvent(b *testing.B) { benchDecode(b, "event", nil) }

// BenchmarkMsgpackDecodeEventUnmarshal decodes the chat event and
// unmarshals its argument into the struct: the full cost of receiving it.
func BenchmarkMsgpackDecodeEventUnmarshal(b *testing.B) {
	benchDecode(b, "event", func(p *socketio.Packet) error {
		var m benchChat
		return Codec{}.Unmarshal(p, p.Args[0], &m)
	})
}

func BenchmarkMsgpackDecodeBinaryEvent(b *testing.B) { benchDecode(b, "binary-event", nil) }

func BenchmarkMsgpackDecodeBinaryEventUnmarshal(b *testing.B) {
	benchDecode(b, "binary-event", func(p *socketio.Packet) error {
		var u benchUpload
		return Codec{}.Unmarshal(p, p.Args[0], &u)
	})
}

func BenchmarkMsgpackDecodeAck(b *testing.B) { benchDecode(b, "ack", nil) }

func BenchmarkMsgpackDecodeAckUnmarshal(b *testing.B) {
	benchDecode(b, "ack", func(p *socketio.Packet) error {
		var a benchAck
		return Codec{}.Unmarshal(p, p.Args[1], &a)
	})
}
