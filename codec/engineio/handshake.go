package engineio

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Handshake is the JSON data of the open packet a server sends first.
// It has exactly the five keys of the v4 protocol.
type Handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"` // milliseconds
	PingTimeout  int64    `json:"pingTimeout"`  // milliseconds
	MaxPayload   int64    `json:"maxPayload"`   // bytes
}

// AppendJSON appends the handshake as JSON with the keys in the reference
// server's order. A nil Upgrades is written as [] (never null): clients
// iterate it.
func (h *Handshake) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"sid":`...)
	dst = strconv.AppendQuote(dst, h.SID)
	dst = append(dst, `,"upgrades":[`...)
	for i, u := range h.Upgrades {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendQuote(dst, u)
	}
	dst = append(dst, `],"pingInterval":`...)
	dst = strconv.AppendInt(dst, h.PingInterval, 10)
	dst = append(dst, `,"pingTimeout":`...)
	dst = strconv.AppendInt(dst, h.PingTimeout, 10)
	dst = append(dst, `,"maxPayload":`...)
	dst = strconv.AppendInt(dst, h.MaxPayload, 10)
	return append(dst, '}')
}

// ParseHandshake decodes the data of an open packet.
func ParseHandshake(data []byte) (Handshake, error) {
	var h Handshake
	if err := json.Unmarshal(data, &h); err != nil {
		return Handshake{}, fmt.Errorf("engineio: open packet: %w", err)
	}
	if h.SID == "" {
		return Handshake{}, fmt.Errorf("engineio: open packet: missing sid")
	}
	return h, nil
}
