// Package benchschema declares the events of the benchmark apps: the same
// three events the Node benchmark server handles, typed.
package benchschema

//go:generate go run github.com/siogen/sio/cmd/sio-gen -out ../../../generated/bench

import "github.com/siogen/sio/schema"

// Main is the main namespace.
var Main = schema.Namespace[ClientToServer, ServerToClient, schema.NoData]{Path: "/"}

// ClientToServer are the events a load generator sends.
type ClientToServer interface {
	// Echo asks the server to emit the payload back as an "echo" event.
	Echo(p Payload)
	// Ping is acknowledged with its payload.
	Ping(p Payload) Payload
	// Bcast asks the server to send the payload to every client.
	Bcast(p Payload)
}

// ServerToClient are the events the server sends.
type ServerToClient interface {
	Echo(p Payload)
	Bcast(p Payload)
}

// Payload is a small message with a sequence number and a send time.
type Payload struct {
	Seq  int64  `json:"seq"`
	Sent int64  `json:"sent"`
	Text string `json:"text"`
}
