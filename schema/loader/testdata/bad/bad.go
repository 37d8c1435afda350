package bad

import (
	"context"

	"github.com/siogen/sio/schema"
)

var Bad = schema.Namespace[C2S, S2C, schema.NoData]{Path: "/bad"}

var Dup = schema.Namespace[S2C, S2C, schema.NoData]{Path: "/bad"}

var NoSlash = schema.Namespace[S2C, S2C, schema.NoData]{Path: "nope"}

type C2S interface {
	Ch(c chan int)
	Fn(f func())
	Connect()
	Ctx(ctx context.Context, a int)
	ErrFirst() (error, int)
	Secret(v unexported)
	IntKeys(m map[int]string)
	Cplx(c complex128)
	//sio:event "say"
	Speak(s string)
	Say(s string)
	//sio:event volatile
	Vol() int
	//sio:event "x" loud
	Loud()
	Var(xs ...int)
	Iface(v interface{ M() })
	//sio:event "sock"
	Socket()
}

type S2C interface {
	Ok(s string)
	WithAck()
}

type unexported struct{ A int }
