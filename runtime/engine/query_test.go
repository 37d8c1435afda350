package engine

import (
	"net/url"
	"strings"
	"testing"
)

var queryCases = []string{
	"", "EIO=4&transport=polling", "EIO=4&transport=polling&sid=abc-_DEF",
	"sid=a&sid=b", "sid=", "sid", "&&sid=x&", "s%69d=escaped+key", "sid=a%2Bb+c",
	"sid=bad%zz&sid=good", "sid=x;y&sid=z", "a=1;sid=2&sid=3", "%zz=1&sid=ok",
	"t=1&EIO=3&EIO=4", "transport=web%73ocket",
}

// TestQueryValue: queryValue agrees with url.ParseQuery(raw).Get for the
// parameters the server reads.
func TestQueryValue(t *testing.T) {
	for _, raw := range queryCases {
		q, _ := url.ParseQuery(raw)
		for _, key := range []string{"sid", "EIO", "transport", "t"} {
			if got, want := queryValue(raw, key), q.Get(key); got != want {
				t.Errorf("queryValue(%q, %q) = %q, want %q", raw, key, got, want)
			}
		}
	}
}

func FuzzQueryValue(f *testing.F) {
	for _, raw := range queryCases {
		f.Add(raw, "sid")
	}
	f.Fuzz(func(t *testing.T, raw, key string) {
		if strings.Count(raw, "&") >= 10000 {
			return // ParseQuery refuses that many parameters; queryValue has no limit
		}
		q, _ := url.ParseQuery(raw)
		if got, want := queryValue(raw, key), q.Get(key); got != want {
			t.Fatalf("queryValue(%q, %q) = %q, want %q", raw, key, got, want)
		}
	})
}
