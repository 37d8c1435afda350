package redisadapter

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/siogen/sio/runtime/adapter"
)

// jsDateLayout is JavaScript's Date.prototype.toString() form, which the
// Node server stores in socket.handshake.time, e.g.
// "Tue Mar 05 2024 10:00:00 GMT+0000 (Coordinated Universal Time)".
const jsDateLayout = "Mon Jan 02 2006 15:04:05 GMT-0700"

// wireSocket is one socket in a REMOTE_FETCH response.
type wireSocket struct {
	ID        string          `json:"id"`
	Handshake json.RawMessage `json:"handshake"`
	Rooms     []room          `json:"rooms"`
	Data      json.RawMessage `json:"data"`
}

// wireHandshake is socket.handshake as the Node server has it (minus
// sessionStore, which the reference removes).
type wireHandshake struct {
	Headers map[string]any `json:"headers"`
	Time    string         `json:"time"`
	Address string         `json:"address"`
	XDomain bool           `json:"xdomain"`
	Secure  bool           `json:"secure"`
	Issued  int64          `json:"issued"`
	URL     string         `json:"url"`
	Query   map[string]any `json:"query"`
	Auth    map[string]any `json:"auth"`
}

// toWireSocket describes a local socket for another server.
func toWireSocket(d adapter.SocketDetails) wireSocket {
	ws := wireSocket{ID: d.ID, Rooms: make([]room, len(d.Rooms))}
	for i, r := range d.Rooms {
		ws.Rooms[i] = room(r)
	}
	ws.Handshake, _ = json.Marshal(toWireHandshake(d.Handshake))
	if d.Data != nil {
		b, err := json.Marshal(d.Data)
		if err == nil {
			ws.Data = b
		}
	}
	if ws.Data == nil {
		ws.Data = json.RawMessage("null")
	}
	return ws
}

func toWireHandshake(h *adapter.Handshake) *wireHandshake {
	if h == nil {
		return nil
	}
	w := &wireHandshake{
		Headers: make(map[string]any, len(h.Headers)),
		Address: h.Address,
		XDomain: h.XDomain,
		Secure:  h.Secure,
		Issued:  h.Issued,
		URL:     h.URL,
		Query:   map[string]any{},
		Auth:    h.Auth,
	}
	if !h.Time.IsZero() {
		w.Time = h.Time.Format(jsDateLayout) + " (" + h.Time.Format("MST") + ")"
	}
	// Node lowercases header names and joins repeated values with ", "
	// (set-cookie stays an array).
	for k, vs := range h.Headers {
		k = strings.ToLower(k)
		switch {
		case k == "set-cookie":
			w.Headers[k] = vs
		case len(vs) == 1:
			w.Headers[k] = vs[0]
		case len(vs) > 1:
			w.Headers[k] = strings.Join(vs, ", ")
		}
	}
	q := h.Query
	if q == nil {
		if u, err := url.Parse(h.URL); err == nil {
			q = u.Query()
		}
	}
	for k, vs := range q {
		if len(vs) == 1 {
			w.Query[k] = vs[0]
		} else {
			w.Query[k] = vs
		}
	}
	if w.Auth == nil {
		w.Auth = map[string]any{}
	}
	return w
}

// fromWireSocket turns a socket of a REMOTE_FETCH response into details.
// Members of the wrong type are left empty rather than dropping the socket.
func fromWireSocket(ws wireSocket) (adapter.SocketDetails, error) {
	if ws.ID == "" {
		return adapter.SocketDetails{}, fmt.Errorf("socket without id")
	}
	d := adapter.SocketDetails{ID: ws.ID, Rooms: roomStrings(ws.Rooms)}
	if len(ws.Data) > 0 {
		_ = json.Unmarshal(ws.Data, &d.Data)
	}
	d.Handshake = fromWireHandshake(ws.Handshake)
	return d, nil
}

func fromWireHandshake(raw json.RawMessage) *adapter.Handshake {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil
	}
	h := &adapter.Handshake{Headers: http.Header{}, Query: url.Values{}}
	_ = json.Unmarshal(m["address"], &h.Address)
	_ = json.Unmarshal(m["xdomain"], &h.XDomain)
	_ = json.Unmarshal(m["secure"], &h.Secure)
	_ = json.Unmarshal(m["url"], &h.URL)
	_ = json.Unmarshal(m["auth"], &h.Auth)
	var issued float64
	if json.Unmarshal(m["issued"], &issued) == nil && issued > 0 && issued < 1<<53 {
		h.Issued = int64(issued)
		h.Time = time.UnixMilli(h.Issued)
	}
	var ts string
	if json.Unmarshal(m["time"], &ts) == nil && h.Time.IsZero() {
		if i := strings.Index(ts, " ("); i >= 0 {
			ts = ts[:i]
		}
		if t, err := time.Parse(jsDateLayout, ts); err == nil {
			h.Time = t
		}
	}
	var headers map[string]any
	_ = json.Unmarshal(m["headers"], &headers)
	for k, v := range headers {
		addValues(h.Headers, http.CanonicalHeaderKey(k), v)
	}
	var query map[string]any
	_ = json.Unmarshal(m["query"], &query)
	for k, v := range query {
		addValues(url.Values(h.Query), k, v)
	}
	return h
}

// addValues adds a JSON string or array of strings under k.
func addValues(dst map[string][]string, k string, v any) {
	switch v := v.(type) {
	case string:
		dst[k] = append(dst[k], v)
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				dst[k] = append(dst[k], s)
			}
		}
	}
}
