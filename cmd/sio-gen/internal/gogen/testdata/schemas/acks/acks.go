// Package acks exercises every ack shape in both directions.
package acks

import "github.com/siogen/sio/schema"

// Main is the main namespace.
var Main = schema.Namespace[Calls, Calls, schema.NoData]{Path: "/"}

// Calls has one event per ack shape.
type Calls interface {
	Fire(n int)
	Echo(s string) string
	Pair() (a int, b string)
	Check(v []byte) error
	Lookup(key string) (*Item, error)
	Many(ctx2 string) (x, y float64, err error)
	//sio:event "fire-and-forget" volatile
	Quick(items map[string][]Item)
}

// Item is a value with nested types.
type Item struct {
	Name  string         `json:"name"`
	Tags  []string       `json:"tags,omitempty"`
	Attrs map[string]any `json:"attrs"`
	Blob  []byte         `json:"blob,omitempty"`
	Next  *Item          `json:"next"`
}
