package engine

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

var defaultCORSMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// allowedOrigin returns the Access-Control-Allow-Origin value for a request
// from origin, or "" when that origin is not allowed.
func (c *CORS) allowedOrigin(origin string) (value string, vary bool) {
	if c.AllowOrigin != nil {
		if origin != "" && c.AllowOrigin(origin) {
			return origin, true
		}
		return "", true
	}
	if slices.Contains(c.Origins, "*") {
		if c.Credentials {
			if origin == "" {
				return "", true
			}
			return origin, true
		}
		return "*", false
	}
	if origin != "" && slices.Contains(c.Origins, origin) {
		return origin, true
	}
	return "", true
}

// apply sets the CORS headers of a response. It answers a preflight
// (OPTIONS) request itself with 204 and reports true; otherwise the request
// continues.
func (c *CORS) apply(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	origin := r.Header.Get("Origin")
	value, vary := c.allowedOrigin(origin)
	if vary {
		h.Add("Vary", "Origin")
	}
	if value != "" {
		h.Set("Access-Control-Allow-Origin", value)
		if c.Credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	if r.Method != http.MethodOptions {
		if value != "" && len(c.ExposedHeaders) > 0 {
			h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposedHeaders, ","))
		}
		return false
	}
	if value != "" {
		methods := defaultCORSMethods
		if len(c.Methods) > 0 {
			methods = strings.Join(c.Methods, ",")
		}
		h.Set("Access-Control-Allow-Methods", methods)
		if len(c.Headers) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.Headers, ","))
		} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Headers", req)
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge.Seconds())))
		}
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}
