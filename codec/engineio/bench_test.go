package engineio

import "testing"

var (
	benchText   = TextPacket(Message, `2["message",{"room":"general","user":"alice","text":"hello world","ts":1700000000000}]`)
	benchBinary = BinaryPacket(make([]byte, 64))
)

func BenchmarkAppendText(b *testing.B) {
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendText(buf[:0], benchText)
	}
}

func BenchmarkAppendTextBinary(b *testing.B) {
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendText(buf[:0], benchBinary)
	}
}

func BenchmarkAppendPayload(b *testing.B) {
	buf := make([]byte, 0, 1024)
	ps := []Packet{benchText, {Type: Ping}, benchText, benchBinary}
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPayload(buf[:0], ps...)
	}
}

func BenchmarkDecodeText(b *testing.B) {
	in := AppendText(nil, benchText)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeText(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	in := AppendPayload(nil, benchText, Packet{Type: Ping}, benchText, benchText)
	b.ReportAllocs()
	for b.Loop() {
		for _, err := range Payload(in) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
