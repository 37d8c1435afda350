// Package loader reads a sio schema package with golang.org/x/tools/go/packages
// and turns it into a Model that sio-gen renders. Every mistake in the schema
// is reported with its position as "file:line:col: message", all at once.
package loader

import (
	"go/token"
	"go/types"
)

// Model is a loaded, validated schema package.
type Model struct {
	PkgPath    string // import path of the schema package
	PkgName    string // its package name
	Dir        string // its directory
	Namespaces []*Namespace
}

// Namespace is one `schema.Namespace[C, S, D]{Path: ...}` variable.
type Namespace struct {
	VarName        string // the Go variable, e.g. "Chat"
	Path           string // the namespace, e.g. "/chat"
	Doc            string
	Data           types.Type // per-socket data type (D)
	ClientToServer *EventSet  // C: events a client emits and the server handles
	ServerToClient *EventSet  // S: events the server emits and a client handles
	Pos            token.Position
}

// EventSet is one events interface of a namespace.
type EventSet struct {
	Type   types.Type // the interface type as written (usually a named type)
	Events []*Event   // in declaration order
}

// Event is one method of an events interface.
type Event struct {
	Method   string // Go method name, e.g. "SendMessage"
	Wire     string // the event name on the wire, e.g. "sendMessage"
	Volatile bool
	Doc      string
	Params   []*Value // the event's arguments
	Results  []*Value // the ack's values, without a trailing error
	HasError bool     // the method's last result is error: err-first ack
	Pos      token.Position

	pos token.Pos
}

// HasAck reports whether the event asks for an acknowledgement.
func (e *Event) HasAck() bool { return len(e.Results) > 0 || e.HasError }

// Value is one parameter or result of an event method.
type Value struct {
	Name string // parameter name as written ("" when unnamed)
	Type types.Type
}
