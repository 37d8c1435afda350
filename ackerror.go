package sio

// AckError is the error half of an error-first acknowledgement: what a
// handler returns to make the peer's ack callback receive
// {"message": Message, "data": Data}, and what a typed call returns when the
// peer answered with such an error.
//
// A handler may return any error; only its Error() text reaches the peer
// unless it is (or wraps) an *AckError, whose Data travels too.
type AckError struct {
	Message string `json:"message" msgpack:"message"`
	Data    any    `json:"data,omitempty" msgpack:"data,omitempty"`
}

// Error returns the message.
func (e *AckError) Error() string { return e.Message }
