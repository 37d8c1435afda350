package loadgen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/siogen/sio/codec/socketio"
)

// PayloadText is the text of every benchmark payload. With the sequence
// number and the send time, a payload is about 70 bytes of JSON.
const PayloadText = "the quick brown fox jumps over the lazy dog"

// appendPayload appends the benchmark payload {seq, sent, text} (the
// benchschema.Payload struct) in the codec's format, byte for byte what the
// codec's AppendArg writes for that struct (checked by the tests), without
// reflection: the load generator must stay cheap per message.
func appendPayload(dst []byte, codec string, seq, sent int64) []byte {
	if codec == "msgpack" {
		dst = append(dst, 0x83, 0xa3, 's', 'e', 'q')
		dst = appendMsgpackInt(dst, seq)
		dst = append(dst, 0xa4, 's', 'e', 'n', 't')
		dst = appendMsgpackInt(dst, sent)
		dst = append(dst, 0xa4, 't', 'e', 'x', 't')
		return append(appendMsgpackStrHeader(dst, len(PayloadText)), PayloadText...)
	}
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, `,"sent":`...)
	dst = strconv.AppendInt(dst, sent, 10)
	dst = append(dst, `,"text":"`...)
	dst = append(dst, PayloadText...)
	return append(dst, `"}`...)
}

// appendMsgpackInt writes n in the smallest msgpack integer form, as
// vmihailenco/msgpack with compact integers and notepack do.
func appendMsgpackInt(dst []byte, n int64) []byte {
	switch {
	case n >= 0 && n < 128:
		return append(dst, byte(n))
	case n >= -32 && n < 0:
		return append(dst, byte(n))
	case n >= 0 && n <= 0xff:
		return append(dst, 0xcc, byte(n))
	case n >= 0 && n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, 0xcd), uint16(n))
	case n >= 0 && n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(dst, 0xce), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(dst, 0xcf), uint64(n))
	case n >= -128:
		return append(dst, 0xd0, byte(n))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(dst, 0xd1), uint16(n))
	case n >= -1<<31:
		return binary.BigEndian.AppendUint32(append(dst, 0xd2), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 0xd3), uint64(n))
	}
}

// appendMsgpackStrHeader writes the smallest msgpack str header for n bytes.
func appendMsgpackStrHeader(dst []byte, n int) []byte {
	switch {
	case n < 32:
		return append(dst, 0xa0|byte(n))
	case n <= 0xff:
		return append(dst, 0xd9, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, 0xda), uint16(n))
	default:
		return binary.BigEndian.AppendUint32(append(dst, 0xdb), uint32(n))
	}
}

var errNoSeq = errors.New("loadgen: payload has no seq")

// payloadSeq finds the seq field of a payload received from a server, in
// either format, without decoding the rest.
func payloadSeq(codec string, raw socketio.Raw) (int64, error) {
	if codec == "msgpack" {
		i := bytes.Index(raw, []byte("\xa3seq"))
		if i < 0 || i+4 >= len(raw) {
			return 0, errNoSeq
		}
		return readMsgpackInt(raw[i+4:])
	}
	i := bytes.Index(raw, []byte(`"seq":`))
	if i < 0 {
		return 0, errNoSeq
	}
	b := raw[i+6:]
	j := 0
	for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '-') {
		j++
	}
	return strconv.ParseInt(string(b[:j]), 10, 64)
}

// readMsgpackInt decodes the msgpack integer (or whole float64, as a
// JavaScript encoder may write) at the start of b.
func readMsgpackInt(b []byte) (int64, error) {
	c := b[0]
	need := func(n int) bool { return len(b) >= 1+n }
	switch {
	case c < 0x80:
		return int64(c), nil
	case c >= 0xe0:
		return int64(int8(c)), nil
	case c == 0xcc && need(1):
		return int64(b[1]), nil
	case c == 0xcd && need(2):
		return int64(binary.BigEndian.Uint16(b[1:])), nil
	case c == 0xce && need(4):
		return int64(binary.BigEndian.Uint32(b[1:])), nil
	case c == 0xcf && need(8):
		return int64(binary.BigEndian.Uint64(b[1:])), nil
	case c == 0xd0 && need(1):
		return int64(int8(b[1])), nil
	case c == 0xd1 && need(2):
		return int64(int16(binary.BigEndian.Uint16(b[1:]))), nil
	case c == 0xd2 && need(4):
		return int64(int32(binary.BigEndian.Uint32(b[1:]))), nil
	case c == 0xd3 && need(8):
		return int64(binary.BigEndian.Uint64(b[1:])), nil
	}
	return 0, errNoSeq
}
