package engine

import (
	"net/url"
	"strings"
)

// queryValue returns the first value of key in the raw query string, as
// url.ParseQuery(raw).Get(key) would (segments with a semicolon or a bad
// escape are skipped), without building the map: every polling request
// needs only two or three of its parameters. Unlike ParseQuery it has no
// limit on the number of parameters (the urlmaxqueryparams setting), since
// it keeps none of them.
func queryValue(raw, key string) string {
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" || strings.Contains(seg, ";") {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		if strings.ContainsAny(k, "%+") {
			var err error
			if k, err = url.QueryUnescape(k); err != nil {
				continue
			}
		}
		if k != key {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			var err error
			if v, err = url.QueryUnescape(v); err != nil {
				continue
			}
		}
		return v
	}
	return ""
}
