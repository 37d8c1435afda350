// Package schema is the vocabulary a sio schema package imports to declare
// its Socket.IO namespaces and their events, once, for sio-gen to turn into
// typed server, client and TypeScript code.
//
// A schema declares each namespace as a package-level variable:
//
//	// Chat is the /chat namespace.
//	var Chat = schema.Namespace[ClientToServer, ServerToClient, SocketData]{Path: "/chat"}
//
// The first type argument is an interface whose methods are the events a
// client sends to the server, the second the events the server sends to a
// client, the third the per-socket data the server keeps (use NoData when
// there is none).
//
// Each method is one event. Its parameters are the event's arguments; its
// results are the acknowledgement the receiver sends back. A method with no
// results is an event without an ack. The event's wire name is the method
// name with its first letter lowered ("SendMessage" → "sendMessage") unless a
// directive in the method's doc comment names it:
//
//	//sio:event "chat message" volatile
//	Say(room, text string)
//
// Directive words after the optional quoted name: "volatile" (the emit may be
// dropped when the transport is not ready, as Socket.IO's volatile flag).
//
// How results map to ack arguments on the wire (one rule, usable from
// JavaScript):
//
//   - no results: no ack is requested;
//   - results without a trailing error (T1, ..., Tn): the ack carries
//     [T1, ..., Tn];
//   - results ending in error (T1, ..., Tn, error): Node's error-first
//     callback style, the ack carries [err, T1, ..., Tn] where err is null on
//     success and {"message": "..."} (plus "data" when the error carries it)
//     on failure; on failure the other values are omitted.
//
// Argument and result types may be booleans, numbers, strings, structs with
// json tags, slices, arrays, maps with string keys, pointers, time.Time,
// []byte (sent as a binary attachment) and named types of those from any
// package. Channels, functions, complex numbers and unexported types are
// rejected by sio-gen with the position of the mistake.
package schema

// Namespace declares one Socket.IO namespace of a schema. C is the interface
// of client-to-server events, S of server-to-client events and D the type of
// the per-socket data the server keeps. sio-gen reads the declaration; at run
// time the value only carries its Path.
type Namespace[C, S, D any] struct {
	// Path is the namespace name, such as "/" or "/chat".
	Path string
}

// NoData is the socket data type of a namespace that keeps none.
type NoData = struct{}
