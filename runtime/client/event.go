package client

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/siogen/sio/codec/socketio"
)

// Errors reported by emits and acks. They are returned wrapped; test them
// with errors.Is.
var (
	// ErrClosed: the Manager was closed.
	ErrClosed = errors.New("client: closed")
	// ErrDisconnected: the connection was lost (or the socket disconnected)
	// after the packet had been handed to the transport and before its ack
	// came; the server may or may not have received it.
	ErrDisconnected = errors.New("client: socket has been disconnected")
	// ErrAckTimeout: the ack did not come before the context's deadline
	// (also wraps context.DeadlineExceeded) or before AckTimeout on the
	// last retry.
	ErrAckTimeout = errors.New("client: operation has timed out")
	// ErrReservedEvent: the event name is reserved by the protocol
	// ("connect", "disconnect", ...).
	ErrReservedEvent = errors.New("client: reserved event name")
	// ErrNoArgument: Decode was asked for an argument index that the
	// packet does not have.
	ErrNoArgument = errors.New("client: no such argument")
	// ErrAlreadyAcked: Event.Ack was called twice, or for an event that
	// asked for no ack.
	ErrAlreadyAcked = errors.New("client: event already acknowledged or not expecting an ack")
	// ErrReconnectFailed: the Manager gave up after ReconnectionAttempts.
	ErrReconnectFailed = errors.New("client: reconnection attempts exhausted")
)

// EventHandler handles one received event. ctx is cancelled when the socket
// disconnects or the Manager closes.
type EventHandler func(ctx context.Context, ev *Event)

// Event is an event received from the server. Its arguments stay raw in the
// codec's format until decoded, so a typed layer decodes each straight into
// its Go type.
//
// With connection state recovery on, the server appends its offset as a last
// string argument to every non-ack event; it is left in place, as
// socket.io-client leaves it, so Len counts it.
type Event struct {
	// Name is the event name.
	Name string

	s     *Socket
	p     *socketio.Packet
	acked atomic.Bool
}

// Len returns the number of arguments after the event name.
func (e *Event) Len() int { return len(e.p.Args) }

// Raw returns argument i in the codec's wire format, or nil when there is
// none. With the JSON codec a binary argument is a placeholder object; use
// Decode to resolve it.
func (e *Event) Raw(i int) socketio.Raw {
	if i < 0 || i >= len(e.p.Args) {
		return nil
	}
	return e.p.Args[i]
}

// Decode decodes argument i into v (a pointer) with the socket's codec; a
// []byte target receives a binary argument's bytes.
func (e *Event) Decode(i int, v any) error {
	return decodeArg(e.s.m.codec, e.p, i, v, "event "+e.Name)
}

// WantsAck reports whether the server asked for an acknowledgement.
func (e *Event) WantsAck() bool { return e.p.HasID() }

// Ack sends the acknowledgement the server asked for, with args (a []byte
// travels as binary). Only the first call sends; later ones, and calls for
// an event without ack id, return ErrAlreadyAcked.
func (e *Event) Ack(args ...any) error {
	if !e.p.HasID() || !e.acked.CompareAndSwap(false, true) {
		return fmt.Errorf("client: ack %q: %w", e.Name, ErrAlreadyAcked)
	}
	return e.s.sendAck(e.p.ID, args)
}

// Ack is the server's acknowledgement of an emit: its arguments, raw.
type Ack struct {
	codec socketio.Codec
	p     *socketio.Packet
}

// Len returns the number of ack arguments.
func (a *Ack) Len() int { return len(a.p.Args) }

// Raw returns ack argument i in the codec's wire format, or nil.
func (a *Ack) Raw(i int) socketio.Raw {
	if i < 0 || i >= len(a.p.Args) {
		return nil
	}
	return a.p.Args[i]
}

// Decode decodes ack argument i into v (a pointer).
func (a *Ack) Decode(i int, v any) error { return decodeArg(a.codec, a.p, i, v, "ack") }

func decodeArg(c socketio.Codec, p *socketio.Packet, i int, v any, what string) error {
	if i < 0 || i >= len(p.Args) {
		return fmt.Errorf("client: %s: argument %d of %d: %w", what, i, len(p.Args), ErrNoArgument)
	}
	if err := c.Unmarshal(p, p.Args[i], v); err != nil {
		return fmt.Errorf("client: %s: argument %d: %w", what, i, err)
	}
	return nil
}

// ConnectError is the server's refusal of a namespace (a CONNECT_ERROR
// packet): an unknown namespace ("Invalid namespace") or an error passed to
// next() by a middleware, with its data.
type ConnectError struct {
	// Namespace is the refused namespace.
	Namespace string
	// Message is the error's message.
	Message string
	// Data is the error's data property decoded generically (maps, slices,
	// strings, numbers), nil when the server sent none.
	Data any

	codec socketio.Codec
	p     *socketio.Packet
}

// Error implements error.
func (e *ConnectError) Error() string {
	return fmt.Sprintf("client: namespace %s refused: %s", e.Namespace, e.Message)
}

// Decode decodes the whole CONNECT_ERROR payload, {"message":…,"data":…},
// into v; use a struct with a typed Data field to get typed data.
func (e *ConnectError) Decode(v any) error {
	if e.p == nil || e.p.Data == nil {
		return fmt.Errorf("client: connect error: %w", ErrNoArgument)
	}
	return e.codec.Unmarshal(e.p, e.p.Data, v)
}

// Call is an acked emit in flight (EmitAsync). It resolves once: with the
// ack, or with an error (timeout, disconnection, close).
type Call struct {
	done chan struct{}
	once atomic.Bool
	ack  *Ack
	err  error
	stop func() bool // stops the context watcher

	// guarded by the socket's mu
	expired bool
	id      int64   // ack id of a plain acked emit, or NoID
	q       *queued // retry queue entry
}

func newCall() *Call { return &Call{done: make(chan struct{}), id: socketio.NoID} }

// resolve settles c; later calls do nothing. It reports whether it did.
func (c *Call) resolve(a *Ack, err error) bool {
	if !c.once.CompareAndSwap(false, true) {
		return false
	}
	c.ack, c.err = a, err
	close(c.done)
	return true
}

// Done is closed when the call has resolved.
func (c *Call) Done() <-chan struct{} { return c.done }

// Result returns the ack or the error; valid once Done is closed.
func (c *Call) Result() (*Ack, error) {
	select {
	case <-c.done:
		return c.ack, c.err
	default:
		return nil, errors.New("client: call still pending")
	}
}

// Wait blocks until the call resolves and returns its result.
func (c *Call) Wait() (*Ack, error) {
	<-c.done
	return c.ack, c.err
}
