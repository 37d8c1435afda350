package chatserver_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/siogen/sio/internal/nodetest"
)

// TestOfficialJSClient drives the typed server with the npm socket.io-client
// over each transport mode and both parsers.
func TestOfficialJSClient(t *testing.T) {
	for _, p := range parsers {
		for _, transports := range []string{"polling", "websocket", "polling,websocket"} {
			t.Run(p.name+"/"+transports, func(t *testing.T) {
				url := startChat(t, p.codec)
				out, err := nodetest.Command(t, "chat/client.mjs", url, p.name, transports).Output()
				if err != nil {
					t.Fatalf("node client: %v\n%s", err, out)
				}
				var got struct {
					Join1, Join2, Say, History, NotJoined, WrongType []any
					Message                                          map[string]any
					Upload                                           struct {
						Err   any
						HasID bool
					}
					File struct {
						Name, User string
						Data       []int
					}
					Anon struct {
						Message string
						Data    map[string]any
					}
				}
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatalf("%v: %s", err, out)
				}
				eq := func(what string, v any, want string) {
					t.Helper()
					b, _ := json.Marshal(v)
					if string(b) != want {
						t.Errorf("%s = %s, want %s", what, b, want)
					}
				}
				eq("join1 ack", got.Join1, `[null,1]`)
				eq("join2 ack", got.Join2, `[null,2]`)
				eq("say ack", got.Say, `[null]`)
				if got.Message["text"] != "hi from js ✓" || got.Message["user"] != "bob-js" || got.Message["room"] != "room" {
					t.Errorf("message = %v", got.Message)
				}
				if _, ok := got.Message["at"].(string); !ok && p.name == "json" {
					t.Errorf("message time should be an RFC 3339 string with JSON: %v", got.Message["at"])
				}
				if got.Upload.Err != nil || !got.Upload.HasID {
					t.Errorf("upload = %+v", got.Upload)
				}
				eq("file", got.File, `{"Name":"b.bin","User":"alice-js","Data":[1,2,3,250]}`)
				if len(got.History) != 2 || got.History[0] != nil {
					t.Errorf("history ack = %v", got.History)
				} else if msgs, _ := got.History[1].([]any); len(msgs) != 1 {
					t.Errorf("history = %v", got.History[1])
				}
				eq("say in a room not joined", got.NotJoined, `[{"message":"join the room first"}]`)
				if len(got.WrongType) != 1 || !strings.Contains(got.WrongType[0].(map[string]any)["message"].(string), "argument 0") {
					t.Errorf("wrong type ack = %v", got.WrongType)
				}
				if got.Anon.Message != "auth required" || got.Anon.Data["hint"] == nil {
					t.Errorf("anonymous connect_error = %+v", got.Anon)
				}
			})
		}
	}
}
