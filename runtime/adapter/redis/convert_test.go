package redisadapter

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/siogen/sio/codec/msgpack"
	"github.com/siogen/sio/codec/socketio"
)

// The expected msgpack is what notepack.io 3 writes for JSON.parse of the
// input with the placeholders replaced by Buffers (except 1e21, which
// notepack truncates to a uint64 and the codec writes as a float64).
func TestToWireArgKeepsKeyOrder(t *testing.T) {
	tests := []struct {
		name string
		json string
		att  [][]byte
		want string // hex
	}{
		{"nested objects", `{"z":1,"a":{"y":2,"b":[{"q":1,"c":2}],"x":null},"m":"é😀"}`, nil,
			"83a17a01a16183a17902a1629182a17101a16302a178c0a16da6c3a9f09f9880"},
		{"arrays of objects", `[{"b":1,"a":2},{"d":[{"f":true,"e":false}],"c":"s"}]`, nil,
			"9282a16201a1610282a1649182a166c3a165c2a163a173"},
		{"placeholders at two depths", `{"b":{"_placeholder":true,"num":0},"a":[{"z":{"num":1,"_placeholder":true}}]}`,
			[][]byte{{1, 2}, {}}, "82a162c4020102a1619181a17ac400"},
		{"top-level placeholder", `{"_placeholder":true,"num":0}`, [][]byte{{0xff}}, "c401ff"},
		{"duplicate keys", `{"k":1,"j":2,"k":3}`, nil, "82a16b03a16a02"},
		{"numbers", `[0,-0,1.5,1e21,9007199254740992,-1,-1.5,4294967296,1e-7]`, nil,
			"990000cb3ff8000000000000cb444b1ae4d6e2ef50cf0020000000000000ffcbbff8000000000000cf0000000100000000cb3e7ad7f29abcaf48"},
		{"placeholder shape without attachments", `{"_placeholder":true,"num":0}`, nil,
			"82ac5f706c616365686f6c646572c3a36e756d00"},
		{"escaped keys and strings", `{"\u00e9":"\ud83d\ude00","a\"b":"\n"}`, nil,
			"82a2c3a9a4f09f9880a3612262a10a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &socketio.Packet{Args: []socketio.Raw{socketio.Raw(tt.json)}, Attachments: tt.att}
			got, err := toWireArg(socketio.JSON, p, p.Args[0])
			if err != nil {
				t.Fatal(err)
			}
			if h := hex.EncodeToString(got); h != tt.want {
				t.Errorf("got  %s\nwant %s", h, tt.want)
			}
			args, err := toWireArgs(socketio.JSON, p)
			if err != nil || !bytes.Equal(args[0], got) {
				t.Errorf("toWireArgs: % x, %v", args, err)
			}
		})
	}
}

func TestToWireArgErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		att  [][]byte
	}{
		{"num out of range", `{"_placeholder":true,"num":1}`, [][]byte{{1}}},
		{"negative num", `[{"_placeholder":true,"num":-1}]`, [][]byte{{1}}},
		{"fractional num", `{"a":{"_placeholder":true,"num":0.5}}`, [][]byte{{1}}},
		{"string num", `{"_placeholder":true,"num":"0"}`, [][]byte{{1}}},
		{"missing num", `{"_placeholder":true}`, [][]byte{{1}}},
		{"not JSON", `{"a":`, nil},
		{"trailing data", `1 2`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &socketio.Packet{Args: []socketio.Raw{socketio.Raw(tt.json)}, Attachments: tt.att}
			if got, err := toWireArg(socketio.JSON, p, p.Args[0]); err == nil {
				t.Fatalf("got % x, want an error", got)
			}
		})
	}
	p := &socketio.Packet{Args: []socketio.Raw{socketio.Raw(`{"_placeholder":true,"num":3}`)}, Attachments: [][]byte{{1}}}
	if _, err := toWireArg(socketio.JSON, p, p.Args[0]); !errors.Is(err, errBadPlaceholder) {
		t.Errorf("err = %v, want errBadPlaceholder", err)
	}
}

func TestAppendFromWireKeepsKeyOrder(t *testing.T) {
	tests := []struct {
		name string
		mp   string // hex
		want string
		att  [][]byte
	}{
		{"nested objects", "83a17a01a16183a17902a1629182a17101a16302a178c0a16da6c3a9f09f9880",
			`{"z":1,"a":{"y":2,"b":[{"q":1,"c":2}],"x":null},"m":"é😀"}`, nil},
		{"arrays of objects", "9282a16201a1610282a1649182a166c3a165c2a163a173",
			`[{"b":1,"a":2},{"d":[{"f":true,"e":false}],"c":"s"}]`, nil},
		{"bin at several depths", "83a162c4020102a1619181a17ac400a16391c40103",
			`{"b":{"_placeholder":true,"num":0},"a":[{"z":{"_placeholder":true,"num":1}}],"c":[{"_placeholder":true,"num":2}]}`,
			[][]byte{{1, 2}, {}, {3}}},
		{"top-level bin", "c401ff", `{"_placeholder":true,"num":0}`, [][]byte{{0xff}}},
		{"duplicate keys", "83a16b01a16a02a16b03", `{"k":3,"j":2}`, nil},
		// 0, -0 (float), 1.5, 1e21, 2^53, -1, float32 0.1, int64 max, uint64 max, 1e-7
		{"numbers", "9a00cb8000000000000000cb3ff8000000000000cb444b1ae4d6e2ef50cf0020000000000000ff" +
			"ca3dcccccdd37fffffffffffffffcfffffffffffffffffcb3e7ad7f29abcaf48",
			`[0,0,1.5,1e+21,9007199254740992,-1,0.10000000149011612,9223372036854776000,18446744073709552000,1e-7]`, nil},
		{"undefined and Date", "82a175d40000a164d7ff0000000000000000",
			`{"u":null,"d":"1970-01-01T00:00:00.000Z"}`, nil},
		{"notepack 2 Date", "81a164d700000000000000007b", `{"d":"1970-01-01T00:00:00.123Z"}`, nil},
		{"integer keys", "8201a16102a162", `{"1":"a","2":"b"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm, err := normalize(unhex(t, tt.mp))
			if err != nil {
				t.Fatal(err)
			}
			p := &socketio.Packet{}
			if err := appendFromWire(socketio.JSON, p, norm); err != nil {
				t.Fatal(err)
			}
			if string(p.Args[0]) != tt.want {
				t.Errorf("got  %s\nwant %s", p.Args[0], tt.want)
			}
			if len(p.Attachments) != len(tt.att) {
				t.Fatalf("attachments %x, want %x", p.Attachments, tt.att)
			}
			for i := range tt.att {
				if !bytes.Equal(p.Attachments[i], tt.att[i]) {
					t.Errorf("attachment %d: %x, want %x", i, p.Attachments[i], tt.att[i])
				}
			}
		})
	}
}

// A JSON argument survives JSON → msgpack → JSON byte for byte when it is
// in the form JSON.stringify writes.
func TestJSONRoundTripThroughWire(t *testing.T) {
	for _, s := range []string{
		`{"z":{"y":[1,{"x":"é","w":null}],"v":true},"a":-1.5}`,
		`[{"b":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]`,
		`"x"`, `[]`, `{}`, `1e+21`, `9007199254740992`,
	} {
		p := &socketio.Packet{Args: []socketio.Raw{socketio.Raw(s)}, Attachments: [][]byte{{1}, {2, 3}}}
		w, err := toWireArg(socketio.JSON, p, p.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		q := &socketio.Packet{}
		if err := appendFromWire(socketio.JSON, q, w); err != nil {
			t.Fatal(err)
		}
		if string(q.Args[0]) != s {
			t.Errorf("%s came back as %s", s, q.Args[0])
		}
	}
}

func TestToJSONKeepsKeyOrder(t *testing.T) {
	want := `{"z":{"type":"Buffer","data":[1,2]},"a":[{"y":"<&>","b":0}]}`
	p := &socketio.Packet{Args: []socketio.Raw{socketio.Raw(`{"z":{"_placeholder":true,"num":0},"a":[{"y":"<&>","b":-0}]}`)},
		Attachments: [][]byte{{1, 2}}}
	got, err := toJSON(socketio.JSON, p, p.Args[0])
	if err != nil || string(got) != want {
		t.Errorf("JSON codec: %s, %v\nwant %s", got, err, want)
	}
	// The same value in msgpack: {"z": bin 0102, "a": [{"y": "<&>", "b": -0.0}]}
	raw := unhex(t, "82a17ac4020102a1619182a179a33c263ea162cb8000000000000000")
	got, err = toJSON(msgpack.Codec{}, &socketio.Packet{}, raw)
	if err != nil || string(got) != want {
		t.Errorf("msgpack codec: %s, %v\nwant %s", got, err, want)
	}
	q := &socketio.Packet{}
	if err := appendFromJSON(msgpack.Codec{}, q, []byte(`{"z":1,"a":{"y":2,"b":3}}`)); err != nil {
		t.Fatal(err)
	}
	if h := hex.EncodeToString(q.Args[0]); h != "82a17a01a16182a17902a16203" {
		t.Errorf("appendFromJSON: %s", h)
	}
}

// FuzzFromWire feeds arbitrary msgpack to the msgpack → JSON conversion
// and JSON back: no panic, and what converts to JSON converts back.
func FuzzFromWire(f *testing.F) {
	for _, s := range []string{
		"83a17a01a16183a17902a1629182a17101a16302a178c0a16da6c3a9f09f9880",
		"9282a16201a1610282a1649182a166c3a165c2a163a173",
		"83a162c4020102a1619181a17ac400a16391c40103",
		"83a16b01a16a02a16b03", "82a175d40000a164d7ff0000000000000000",
		"8201a16102a162", "81c40161c0", "8191c0c0", "81d70000000000000000007bc0",
	} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		norm, err := normalize(b)
		if err != nil {
			return
		}
		p := &socketio.Packet{}
		if err := appendFromWire(socketio.JSON, p, norm); err != nil {
			return
		}
		if _, err := toWireArg(socketio.JSON, p, p.Args[0]); err != nil {
			t.Fatalf("% x → %s: back to msgpack: %v", b, p.Args[0], err)
		}
		_, _ = toJSON(msgpack.Codec{}, &socketio.Packet{}, norm)
	})
}
