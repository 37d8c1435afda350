package socketio

import (
	"encoding/base64"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/siogen/sio/codec/engineio"
)

// benchPacket is one entry of codec/testdata/bench-packets.json, the
// packets interop/codec/bench.mjs times with the npm parsers.
type benchPacket struct {
	Name        string   `json:"name"`
	Type        int      `json:"type"`
	Nsp         string   `json:"nsp"`
	ID          *int64   `json:"id"`
	JSON        string   `json:"json"`
	Attachments []string `json:"attachments"`
}

// benchPackets loads the shared packets and decodes each into a Packet
// (raw args) plus its wire messages.
func benchPackets(b *testing.B) map[string]struct {
	p    *Packet
	msgs []engineio.Packet
} {
	b.Helper()
	data, err := os.ReadFile("../testdata/bench-packets.json")
	if err != nil {
		b.Fatal(err)
	}
	var doc struct {
		Packets []benchPacket `json:"packets"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		b.Fatal(err)
	}
	out := map[string]struct {
		p    *Packet
		msgs []engineio.Packet
	}{}
	for _, bp := range doc.Packets {
		hdr := []byte{'0' + byte(bp.Type)}
		if len(bp.Attachments) > 0 {
			hdr = []byte{'0' + byte(bp.Type) + 3}
			hdr = append(hdr, byte('0'+len(bp.Attachments)), '-')
		}
		if bp.Nsp != "/" {
			hdr = append(append(hdr, bp.Nsp...), ',')
		}
		if bp.ID != nil {
			hdr = appendJSNumber(hdr, float64(*bp.ID))
		}
		msgs := []engineio.Packet{engineio.TextPacket(engineio.Message, string(hdr)+bp.JSON)}
		for _, a := range bp.Attachments {
			raw, err := base64.StdEncoding.DecodeString(a)
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, engineio.BinaryPacket(raw))
		}
		got, err := decodeAll(b, DecoderOptions{}, msgs...)
		if err != nil || len(got) != 1 {
			b.Fatalf("%s: %v", bp.Name, err)
		}
		out[bp.Name] = struct {
			p    *Packet
			msgs []engineio.Packet
		}{got[0], msgs}
	}
	return out
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

// cpuSeconds is the CPU time the process has used (user + system). On a
// shared machine wall time says little; CPU time gives packets per second
// per core, which interop/codec/bench.mjs reports the same way.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// reportPackets reports packets per wall second and per CPU second since
// start (a cpuSeconds reading taken before the loop).
func reportPackets(b *testing.B, start float64) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
	if cpu := cpuSeconds() - start; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu, "packets/cpu-s")
	}
}

func benchEncode(b *testing.B, name string) {
	bp := benchPackets(b)[name]
	b.ReportAllocs()
	start := cpuSeconds()
	b.SetBytes(int64(len(bp.msgs[0].Data)))
	for b.Loop() {
		if _, err := JSON.Encode(bp.p); err != nil {
			b.Fatal(err)
		}
	}
	reportPackets(b, start)
}

func benchDecode(b *testing.B, name string, unmarshal func(p *Packet) error) {
	bp := benchPackets(b)[name]
	b.ReportAllocs()
	start := cpuSeconds()
	b.SetBytes(int64(len(bp.msgs[0].Data)))
	for b.Loop() {
		d := jsonDecoder{maxAttachments: DefaultMaxAttachments}
		var p *Packet
		for _, m := range bp.msgs {
			var err error
			if p, err = d.Decode(m); err != nil {
				b.Fatal(err)
			}
		}
		if p == nil {
			b.Fatal("no packet")
		}
		if unmarshal != nil {
			if err := unmarshal(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportPackets(b, start)
}

// BenchmarkJSONEncodeEvent encodes the typical chat event whose argument
// is already raw JSON (a relayed or pre-marshaled event).
func BenchmarkJSONEncodeEvent(b *testing.B) { benchEncode(b, "event") }

// BenchmarkJSONEncodeEventMarshal marshals the chat message struct and
// encodes the packet: the full cost of an emit, as the npm encoder's
// JSON.stringify pays it.
func BenchmarkJSONEncodeEventMarshal(b *testing.B) {
	want := string(benchPackets(b)["event"].msgs[0].Data)
	msg := chatMessage{"general", "alice", "hello world", 1700000000000}
	b.ReportAllocs()
	start := cpuSeconds()
	for b.Loop() {
		p := Packet{Type: Event, Namespace: "/", ID: NoID, Event: "message"}
		if err := JSON.AppendArg(&p, msg); err != nil {
			b.Fatal(err)
		}
		out, err := JSON.Encode(&p)
		if err != nil || string(out[0].Data) != want {
			b.Fatalf("%s %v", out[0].Data, err)
		}
	}
	reportPackets(b, start)
}

func BenchmarkJSONEncodeBinaryEvent(b *testing.B) { benchEncode(b, "binary-event") }

// BenchmarkJSONEncodeBinaryEventMarshal marshals a struct with a []byte
// field (placeholder + attachment) and encodes the packet.
func BenchmarkJSONEncodeBinaryEventMarshal(b *testing.B) {
	bp := benchPackets(b)["binary-event"]
	want := string(bp.msgs[0].Data)
	up := benchUpload{"photo.png", 1024, bp.p.Attachments[0]}
	b.ReportAllocs()
	start := cpuSeconds()
	for b.Loop() {
		p := Packet{Type: Event, Namespace: "/", ID: NoID, Event: "upload"}
		if err := JSON.AppendArg(&p, up); err != nil {
			b.Fatal(err)
		}
		out, err := JSON.Encode(&p)
		if err != nil || string(out[0].Data) != want {
			b.Fatalf("%s %v", out[0].Data, err)
		}
	}
	reportPackets(b, start)
}

func BenchmarkJSONEncodeAck(b *testing.B) { benchEncode(b, "ack") }

// BenchmarkJSONDecodeEvent decodes the chat event to raw arguments.
func BenchmarkJSONDecodeEvent(b *testing.B) { benchDecode(b, "event", nil) }

// BenchmarkJSONDecodeEventUnmarshal decodes the chat event and unmarshals
// its argument into the struct: the full cost of receiving it, as the npm
// decoder's JSON.parse pays it.
func BenchmarkJSONDecodeEventUnmarshal(b *testing.B) {
	benchDecode(b, "event", func(p *Packet) error {
		var m chatMessage
		return JSON.Unmarshal(p, p.Args[0], &m)
	})
}

func BenchmarkJSONDecodeBinaryEvent(b *testing.B) { benchDecode(b, "binary-event", nil) }

func BenchmarkJSONDecodeBinaryEventUnmarshal(b *testing.B) {
	benchDecode(b, "binary-event", func(p *Packet) error {
		var u benchUpload
		return JSON.Unmarshal(p, p.Args[0], &u)
	})
}

func BenchmarkJSONDecodeAck(b *testing.B) { benchDecode(b, "ack", nil) }

func BenchmarkJSONDecodeAckUnmarshal(b *testing.B) {
	benchDecode(b, "ack", func(p *Packet) error {
		var a benchAck
		return JSON.Unmarshal(p, p.Args[1], &a)
	})
}
