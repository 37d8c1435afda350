package engineclient

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadMessage feeds arbitrary server bytes to the WebSocket reader: it
// must return packets or an error, never panic or allocate beyond
// MaxReadBytes. The seed corpus is in testdata/fuzz/FuzzReadMessage.
func FuzzReadMessage(f *testing.F) {
	f.Add([]byte("\x81\x064hello"))                           // text message
	f.Add([]byte("\x82\x04\x01\x02\x03\x04"))                 // binary message
	f.Add([]byte("\x01\x034he\x89\x02hb\x80\x02lo"))          // fragments around a ping
	f.Add([]byte("\x88\x05\x03\xe8bye"))                      // close frame
	f.Add([]byte("\x81\x7f\xff\xff\xff\xff\xff\xff\xff\xff")) // absurd length
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Conn{cfg: &config{Options: Options{MaxReadBytes: 1 << 16}}}
		w := &wsTransport{c: c, br: bufio.NewReader(bytes.NewReader(data))}
		for range 64 {
			p, err := w.readPacket()
			if err != nil {
				return
			}
			if !p.Type.Valid() {
				t.Fatalf("invalid packet type %d", p.Type)
			}
		}
	})
}
