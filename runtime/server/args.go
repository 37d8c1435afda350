package server

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/siogen/sio/codec/socketio"
	"github.com/siogen/sio/runtime/engine"
)

// Args is a list of arguments received from a client (an event's arguments
// after its name, or the values of an acknowledgement), kept raw in the
// connection's codec until decoded. Passing an *Args to Emit, Ack or
// EmitWithAck forwards all of its arguments unchanged, binary included.
type Args struct {
	codec socketio.Codec
	p     *socketio.Packet
}

// Len returns the number of arguments.
func (a *Args) Len() int {
	if a == nil {
		return 0
	}
	return len(a.p.Args)
}

// Raw returns argument i as it was received, in the codec's format. For the
// JSON codec, binary values inside it are placeholders: use Decode to get
// their bytes.
func (a *Args) Raw(i int) socketio.Raw {
	if i < 0 || i >= a.Len() {
		return nil
	}
	return a.p.Args[i]
}

// Decode decodes argument i into v (a pointer), resolving binary
// attachments: a []byte anywhere in v receives the bytes the client sent.
func (a *Args) Decode(i int, v any) error {
	if i < 0 || i >= a.Len() {
		return fmt.Errorf("server: decode argument %d of %d: %w", i, a.Len(), ErrNoArgument)
	}
	if err := a.codec.Unmarshal(a.p, a.p.Args[i], v); err != nil {
		return fmt.Errorf("server: decode argument %d: %w", i, err)
	}
	return nil
}

// DecodeAll decodes the first len(vs) arguments into vs, in order; a nil
// entry skips its argument.
func (a *Args) DecodeAll(vs ...any) error {
	for i, v := range vs {
		if v == nil {
			continue
		}
		if err := a.Decode(i, v); err != nil {
			return err
		}
	}
	return nil
}

// Packet returns the packet the arguments came in. It must not be modified.
func (a *Args) Packet() *socketio.Packet { return a.p }

// ErrNoArgument is returned by Decode for an index beyond the arguments.
var ErrNoArgument = errors.New("no such argument")

// Event is an event received from a client, handed to event middlewares and
// handlers. Its arguments stay raw until decoded with Decode.
type Event struct {
	*Args
	// Name is the event name (a numeric name in its decimal form).
	Name string

	s     *Socket
	id    int64
	acked atomic.Bool
}

// Socket returns the socket the event came from.
func (e *Event) Socket() *Socket { return e.s }

// WantsAck reports whether the client asked for an acknowledgement.
func (e *Event) WantsAck() bool { return e.id >= 0 }

// Ack sends the acknowledgement the client asked for, with args encoded by
// the connection's codec ([]byte values travel as binary; a socketio.Raw is
// sent as it is; an *Args forwards its arguments). Only the first call
// sends anything; it fails with ErrNoAck when the client did not ask for an
// acknowledgement and ErrAlreadyAcked on later calls.
func (e *Event) Ack(args ...any) error {
	if e.id < 0 {
		return ErrNoAck
	}
	if !e.acked.CompareAndSwap(false, true) {
		return ErrAlreadyAcked
	}
	p := &socketio.Packet{Type: socketio.Ack, Namespace: e.s.nsp.name, ID: e.id}
	if err := appendArgs(e.s.nsp.codec, p, args); err != nil {
		return fmt.Errorf("server: ack %q: %w", e.Name, err)
	}
	return e.s.send(p, engine.SendOptions{})
}

// appendArgs encodes args onto p with c.
func appendArgs(c socketio.Codec, p *socketio.Packet, args []any) error {
	for i, a := range args {
		if fw, ok := a.(*Args); ok {
			if err := forwardArgs(c, p, fw); err != nil {
				return err
			}
			continue
		}
		if err := c.AppendArg(p, a); err != nil {
			return fmt.Errorf("argument %d: %w", i, err)
		}
	}
	return nil
}

// forwardArgs appends received arguments with their attachments.
func forwardArgs(c socketio.Codec, p *socketio.Packet, a *Args) error {
	if a == nil {
		return nil
	}
	if a.codec.Name() != c.Name() {
		return fmt.Errorf("cannot forward arguments from the %s codec to the %s codec", a.codec.Name(), c.Name())
	}
	if len(a.p.Attachments) > 0 && len(p.Attachments) > 0 {
		return errors.New("forwarded binary arguments must come before other binary arguments")
	}
	p.Args = append(p.Args, a.p.Args...)
	p.Attachments = append(p.Attachments, a.p.Attachments...)
	return nil
}
