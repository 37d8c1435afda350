package engineio

import (
	"bytes"
	"fmt"
	"iter"
)

// Separator joins the packets of a polling payload (ASCII record separator).
const Separator = 0x1E

// AppendPayload appends the polling payload holding packets to dst: each
// packet in its text form, joined by Separator. Binary packets are base64
// encoded. It does not allocate when dst has room.
func AppendPayload(dst []byte, packets ...Packet) []byte {
	for i, p := range packets {
		if i > 0 {
			dst = append(dst, Separator)
		}
		dst = AppendText(dst, p)
	}
	return dst
}

// PayloadLen returns the number of bytes AppendPayload adds for packets.
func PayloadLen(packets ...Packet) int {
	n := 0
	for i, p := range packets {
		if i > 0 {
			n++
		}
		n += TextLen(p)
	}
	return n
}

// Payload iterates over the packets of a polling payload in order. The
// iteration stops at the first packet that does not decode, yielding its
// error, as the reference parser does; packets before it are still yielded.
// An empty body is one empty packet, hence an error.
func Payload(body []byte) iter.Seq2[Packet, error] {
	return func(yield func(Packet, error) bool) {
		rest := body
		for i := 0; ; i++ {
			seg := rest
			j := bytes.IndexByte(rest, Separator)
			if j >= 0 {
				seg, rest = rest[:j], rest[j+1:]
			}
			p, err := DecodeText(seg)
			if err != nil {
				yield(Packet{}, fmt.Errorf("engineio: payload packet %d: %w", i, err))
				return
			}
			if !yield(p, nil) || j < 0 {
				return
			}
		}
	}
}

// DecodePayload decodes a whole polling payload into a slice. It fails on the
// first packet that does not decode.
func DecodePayload(body []byte) ([]Packet, error) {
	var out []Packet
	for p, err := range Payload(body) {
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}
