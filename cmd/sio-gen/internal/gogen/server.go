package gogen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/siogen/sio/schema/loader"
)

// renderServer writes the server side of one namespace.
func renderServer(f *jen.File, ns *loader.Namespace) {
	n := ns.VarName
	handler, unimpl := n+"Handler", "Unimplemented"+n+"Handler"
	sock, nsType, bcast := n+"Socket", n+"Namespace", n+"Broadcast"
	ctx := jen.Id("ctx").Qual("context", "Context")

	// Handler interface.
	addDoc(f, fmt.Sprintf("%s handles the events clients send on the %s namespace.", handler, ns.Path))
	if ns.Doc != "" {
		f.Comment("")
		addDoc(f, ns.Doc)
	}
	var methods []jen.Code
	for _, ev := range ns.ClientToServer.Events {
		pn, rn := names(ev)
		params := append([]jen.Code{ctx.Clone(), jen.Id("s").Op("*").Id(sock)}, paramList(ev, pn)...)
		m := jen.Id(ev.Method).Params(params...)
		if ev.HasAck() {
			m = m.Params(resultList(ev, rn, ev.HasError)...)
		}
		methods = append(methods, docLines(ev.Doc)...)
		methods = append(methods, m)
	}
	f.Type().Id(handler).Interface(methods...)

	// Unimplemented handler.
	addDoc(f, fmt.Sprintf("%s answers every event as not implemented: events with an error\n"+
		"result are acked with typed.ErrUnimplemented, others are ignored. Embed it in a %s\n"+
		"to keep compiling when the schema gains events.", unimpl, handler))
	f.Type().Id(unimpl).Struct()
	for _, ev := range ns.ClientToServer.Events {
		_, rn := names(ev)
		params := append([]jen.Code{jen.Qual("context", "Context"), jen.Op("*").Id(sock)}, func() []jen.Code {
			var out []jen.Code
			for _, p := range ev.Params {
				out = append(out, typ(p.Type))
			}
			return out
		}()...)
		fn := f.Func().Params(jen.Id(unimpl)).Id(ev.Method).Params(params...)
		if !ev.HasAck() {
			fn.Block()
			continue
		}
		ret := ids(rn)
		if ev.HasError {
			ret = append(ret, jen.Qual(typedPkg, "ErrUnimplemented"))
		}
		fn.Params(resultList(ev, rn, ev.HasError)...).Block(jen.Return(ret...))
	}

	// Register.
	addDoc(f, fmt.Sprintf("Register%s serves the %s namespace of srv with h and returns its typed\nhandle for middleware and broadcasts.", n, ns.Path))
	var reg []jen.Code
	reg = append(reg, jen.Id("ns").Op(":=").Id("srv").Dot("Of").Call(jen.Lit(ns.Path)))
	for _, ev := range ns.ClientToServer.Events {
		reg = append(reg, serverHandler(ev, sock))
	}
	reg = append(reg, jen.Return(jen.Op("&").Id(nsType).Values(jen.Id("ns").Op(":").Id("ns"))))
	f.Func().Id("Register"+n).Params(jen.Id("srv").Op("*").Qual(serverPkg, "Server"), jen.Id("h").Id(handler)).
		Op("*").Id(nsType).Block(reg...)

	renderSocket(f, ns, sock, bcast)
	renderNamespace(f, ns, nsType, sock, bcast)
	renderBroadcast(f, ns, bcast)
}

// serverHandler returns the ns.On registration of one client-to-server event.
func serverHandler(ev *loader.Event, sock string) jen.Code {
	pn, rn := names(ev)
	body := declVars(ev.Params, pn)
	if len(pn) > 0 {
		body = append(body, jen.If(
			jen.Err().Op(":=").Qual(typedPkg, "DecodeArgs").Call(append([]jen.Code{jen.Lit(ev.Wire), jen.Id("ev")}, addrs(pn)...)...),
			jen.Err().Op("!=").Nil(),
		).Block(
			jen.Qual(typedPkg, "Reject").Call(jen.Id("ev"), jen.Lit(ev.HasError), jen.Err()),
			jen.Return(),
		))
	}
	call := jen.Id("h").Dot(ev.Method).Call(append([]jen.Code{jen.Id("ctx"), jen.Op("&").Id(sock).Values(jen.Id("s"))}, ids(pn)...)...)
	switch {
	case !ev.HasAck():
		body = append(body, call)
	default:
		lhs := ids(rn)
		errArg := jen.Nil()
		if ev.HasError {
			lhs = append(lhs, jen.Err())
			errArg = jen.Err()
		}
		body = append(body,
			jen.List(lhs...).Op(":=").Add(call),
			jen.Qual(typedPkg, "Reply").Call(append([]jen.Code{jen.Id("ev"), jen.Lit(ev.HasError), errArg}, ids(rn)...)...),
		)
	}
	return jen.Id("ns").Dot("On").Call(jen.Lit(ev.Wire), jen.Func().Params(
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("s").Op("*").Qual(serverPkg, "Socket"),
		jen.Id("ev").Op("*").Qual(serverPkg, "Event"),
	).Block(body...))
}

// renderSocket writes the typed socket with its emitters.
func renderSocket(f *jen.File, ns *loader.Namespace, sock, bcast string) {
	addDoc(f, fmt.Sprintf("%s is one client connected to %s, with typed emitters.", sock, ns.Path))
	f.Type().Id(sock).Struct(jen.Op("*").Qual(serverPkg, "Socket"))
	if hasData(ns) {
		addDoc(f, "Data returns the socket's data, created empty on first use.")
		f.Func().Params(jen.Id("s").Op("*").Id(sock)).Id("Data").Params().Op("*").Add(typ(ns.Data)).Block(
			jen.List(jen.Id("d"), jen.Id("_")).Op(":=").Id("s").Dot("Socket").Dot("DataOr").Call(
				jen.Func().Params().Any().Block(jen.Return(jen.New(typ(ns.Data)))),
			).Assert(jen.Op("*").Add(typ(ns.Data))),
			jen.Return(jen.Id("d")),
		)
	}
	addDoc(f, "Broadcast returns an operator that sends to every client of the namespace but this one.")
	f.Func().Params(jen.Id("s").Op("*").Id(sock)).Id("Broadcast").Params().Id(bcast).Block(
		jen.Return(jen.Id(bcast).Values(jen.Id("s").Dot("Socket").Dot("Broadcast").Call())))
	addDoc(f, "To returns an operator that sends to the clients in rooms, except this one.")
	f.Func().Params(jen.Id("s").Op("*").Id(sock)).Id("To").Params(jen.Id("rooms").Op("...").String()).Id(bcast).Block(
		jen.Return(jen.Id(bcast).Values(jen.Id("s").Dot("Socket").Dot("To").Call(jen.Id("rooms").Op("...")))))

	for _, ev := range ns.ServerToClient.Events {
		emitter(f, jen.Id("s").Op("*").Id(sock), jen.Id("s").Dot("Socket"), ev, false, ns.VarName)
	}
}

// renderNamespace writes the typed namespace handle.
func renderNamespace(f *jen.File, ns *loader.Namespace, nsType, sock, bcast string) {
	recv := jen.Id("n").Op("*").Id(nsType)
	addDoc(f, fmt.Sprintf("%s is the typed %s namespace of a server.", nsType, ns.Path))
	f.Type().Id(nsType).Struct(jen.Id("ns").Op("*").Qual(serverPkg, "Namespace"))

	addDoc(f, "Namespace returns the untyped runtime namespace.")
	f.Func().Params(recv.Clone()).Id("Namespace").Params().Op("*").Qual(serverPkg, "Namespace").Block(jen.Return(jen.Id("n").Dot("ns")))

	addDoc(f, "Use adds a connection middleware; an error refuses the connection with a\nconnect_error carrying its message (return a *server.ConnectError to add data).")
	f.Func().Params(recv.Clone()).Id("Use").Params(jen.Id("mw").Func().Params(jen.Qual("context", "Context"), jen.Op("*").Id(sock)).Error()).Block(
		jen.Id("n").Dot("ns").Dot("Use").Call(jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("s").Op("*").Qual(serverPkg, "Socket")).Error().Block(
			jen.Return(jen.Id("mw").Call(jen.Id("ctx"), jen.Op("&").Id(sock).Values(jen.Id("s")))))))

	addDoc(f, "OnConnection calls fn for every client that joins the namespace.")
	f.Func().Params(recv.Clone()).Id("OnConnection").Params(jen.Id("fn").Func().Params(jen.Op("*").Id(sock))).Block(
		jen.Id("n").Dot("ns").Dot("OnConnection").Call(jen.Func().Params(jen.Id("s").Op("*").Qual(serverPkg, "Socket")).Block(
			jen.Id("fn").Call(jen.Op("&").Id(sock).Values(jen.Id("s"))))))

	addDoc(f, "OnDisconnect calls fn for every client that leaves the namespace, with the reason.")
	f.Func().Params(recv.Clone()).Id("OnDisconnect").Params(jen.Id("fn").Func().Params(jen.Op("*").Id(sock), jen.String())).Block(
		jen.Id("n").Dot("ns").Dot("OnDisconnect").Call(jen.Func().Params(jen.Id("s").Op("*").Qual(serverPkg, "Socket"), jen.Id("reason").String()).Block(
			jen.Id("fn").Call(jen.Op("&").Id(sock).Values(jen.Id("s")), jen.Id("reason")))))

	addDoc(f, "All returns an operator that sends to every client of the namespace.")
	f.Func().Params(recv.Clone()).Id("All").Params().Id(bcast).Block(
		jen.Return(jen.Id(bcast).Values(jen.Id("n").Dot("ns").Dot("Except").Call())))
	for _, op := range []struct{ name, doc string }{
		{"To", "To returns an operator that sends to the clients in any of rooms."},
		{"In", "In is To."},
		{"Except", "Except returns an operator that sends to every client not in rooms."},
	} {
		addDoc(f, op.doc)
		f.Func().Params(recv.Clone()).Id(op.name).Params(jen.Id("rooms").Op("...").String()).Id(bcast).Block(
			jen.Return(jen.Id(bcast).Values(jen.Id("n").Dot("ns").Dot(op.name).Call(jen.Id("rooms").Op("...")))))
	}
}

// renderBroadcast writes the typed broadcast operator.
func renderBroadcast(f *jen.File, ns *loader.Namespace, bcast string) {
	recv := jen.Id("b").Id(bcast)
	addDoc(f, fmt.Sprintf("%s sends typed events to a set of clients of %s. Its methods return\nnew operators; the zero value is not usable.", bcast, ns.Path))
	f.Type().Id(bcast).Struct(jen.Id("op").Qual(serverPkg, "BroadcastOperator"))

	addDoc(f, "Operator returns the untyped runtime operator.")
	f.Func().Params(recv.Clone()).Id("Operator").Params().Qual(serverPkg, "BroadcastOperator").Block(jen.Return(jen.Id("b").Dot("op")))
	for _, op := range []struct{ name, doc string }{
		{"To", "To adds rooms to the target (a union)."},
		{"In", "In is To."},
		{"Except", "Except removes the clients in rooms."},
	} {
		addDoc(f, op.doc)
		f.Func().Params(recv.Clone()).Id(op.name).Params(jen.Id("rooms").Op("...").String()).Id(bcast).Block(
			jen.Return(jen.Id(bcast).Values(jen.Id("b").Dot("op").Dot(op.name).Call(jen.Id("rooms").Op("...")))))
	}
	addDoc(f, "Local limits the broadcast to this server (with a multi-server adapter).")
	f.Func().Params(recv.Clone()).Id("Local").Params().Id(bcast).Block(jen.Return(jen.Id(bcast).Values(jen.Id("b").Dot("op").Dot("Local").Call())))
	addDoc(f, "Volatile lets the broadcast skip clients that cannot take it right now.")
	f.Func().Params(recv.Clone()).Id("Volatile").Params().Id(bcast).Block(jen.Return(jen.Id(bcast).Values(jen.Id("b").Dot("op").Dot("Volatile").Call())))
	addDoc(f, "Compress sets the compress flag of the packets.")
	f.Func().Params(recv.Clone()).Id("Compress").Params(jen.Id("on").Bool()).Id(bcast).Block(jen.Return(jen.Id(bcast).Values(jen.Id("b").Dot("op").Dot("Compress").Call(jen.Id("on")))))
	addDoc(f, "Timeout bounds how long acked emits wait for the clients' answers.")
	f.Func().Params(recv.Clone()).Id("Timeout").Params(jen.Id("d").Qual("time", "Duration")).Id(bcast).Block(jen.Return(jen.Id(bcast).Values(jen.Id("b").Dot("op").Dot("Timeout").Call(jen.Id("d")))))

	for _, ev := range ns.ServerToClient.Events {
		if ev.HasAck() && !(len(ev.Results) == 1 && !ev.HasError) {
			replyStruct(f, ns, ev)
		}
		emitter(f, recv.Clone(), jen.Id("b").Dot("op"), ev, true, ns.VarName)
	}
}

// replyName is the type of one client's answer to a broadcast with acks.
func replyName(nsVar string, ev *loader.Event) string { return nsVar + ev.Method + "Reply" }

func replyStruct(f *jen.File, ns *loader.Namespace, ev *loader.Event) {
	fn := fieldNames(ev)
	var fields []jen.Code
	for i, r := range ev.Results {
		fields = append(fields, jen.Id(fn[i]).Add(typ(r.Type)))
	}
	fields = append(fields, jen.Comment("Err is the client's error answer, or why its answer did not decode."), jen.Id("Err").Error())
	addDoc(f, fmt.Sprintf("%s is one client's answer to a broadcast Emit%s.", replyName(ns.VarName, ev), ev.Method))
	f.Type().Id(replyName(ns.VarName, ev)).Struct(fields...)
}

// emitter writes Emit<Method> on a socket (one peer) or a broadcast
// operator (many peers).
func emitter(f *jen.File, recv, target *jen.Statement, ev *loader.Event, broadcast bool, nsVar string) {
	pn, rn := names(ev)
	name := "Emit" + ev.Method
	if ev.Volatile {
		target = target.Clone().Dot("Volatile").Call()
	}
	args := append([]jen.Code{jen.Lit(ev.Wire)}, ids(pn)...)
	doc := fmt.Sprintf("%s sends the %q event.", name, ev.Wire)
	if ev.Doc != "" {
		doc += "\n\n" + ev.Doc
	}
	if !ev.HasAck() {
		addDoc(f, doc)
		f.Func().Params(recv).Id(name).Params(paramList(ev, pn)...).Error().Block(
			jen.Return(target.Clone().Dot("Emit").Call(args...)))
		return
	}
	params := append([]jen.Code{jen.Id("ctx").Qual("context", "Context")}, paramList(ev, pn)...)
	withCtx := append([]jen.Code{jen.Id("ctx")}, args...)
	if !broadcast {
		addDoc(f, doc+"\nIt waits for the client's ack until ctx is done.")
		f.Func().Params(recv).Id(name).Params(params...).Params(resultList(ev, rn, true)...).Block(
			ackCall(target.Clone().Dot("EmitWithAck").Call(withCtx...), ev, rn)...)
		return
	}
	addDoc(f, doc+"\nIt collects one answer per client until every client answered or ctx is\n"+
		"done (or the operator's Timeout); err reports a timeout or undecodable answers.")
	if len(ev.Results) == 1 && !ev.HasError {
		elem := typ(ev.Results[0].Type)
		f.Func().Params(recv).Id(name).Params(params...).Params(jen.Id("replies").Index().Add(elem.Clone()), jen.Err().Error()).Block(
			jen.List(jen.Id("answers"), jen.Err()).Op(":=").Add(target.Clone().Dot("EmitWithAck").Call(withCtx...)),
			jen.Id("replies").Op("=").Make(jen.Index().Add(elem.Clone()), jen.Lit(0), jen.Len(jen.Id("answers"))),
			jen.For(jen.List(jen.Id("_"), jen.Id("ack")).Op(":=").Range().Id("answers")).Block(
				jen.Var().Id("r").Add(elem.Clone()),
				jen.If(jen.Id("derr").Op(":=").Qual(typedPkg, "DecodeAck").Call(jen.Lit(ev.Wire), jen.Id("ack"), jen.False(), jen.Op("&").Id("r")), jen.Id("derr").Op("!=").Nil()).Block(
					jen.Err().Op("=").Qual("errors", "Join").Call(jen.Err(), jen.Id("derr")),
					jen.Continue(),
				),
				jen.Id("replies").Op("=").Append(jen.Id("replies"), jen.Id("r")),
			),
			jen.Return(jen.Id("replies"), jen.Err()),
		)
		return
	}
	rt := replyName(nsVar, ev)
	var fieldAddrs []jen.Code
	for _, name := range fieldNames(ev) {
		fieldAddrs = append(fieldAddrs, jen.Op("&").Id("r").Dot(name))
	}
	f.Func().Params(recv).Id(name).Params(params...).Params(jen.Id("replies").Index().Id(rt), jen.Err().Error()).Block(
		jen.List(jen.Id("answers"), jen.Err()).Op(":=").Add(target.Clone().Dot("EmitWithAck").Call(withCtx...)),
		jen.Id("replies").Op("=").Make(jen.Index().Id(rt), jen.Lit(0), jen.Len(jen.Id("answers"))),
		jen.For(jen.List(jen.Id("_"), jen.Id("ack")).Op(":=").Range().Id("answers")).Block(
			jen.Var().Id("r").Id(rt),
			jen.Id("r").Dot("Err").Op("=").Qual(typedPkg, "DecodeAck").Call(append([]jen.Code{jen.Lit(ev.Wire), jen.Id("ack"), jen.Lit(ev.HasError)}, fieldAddrs...)...),
			jen.Id("replies").Op("=").Append(jen.Id("replies"), jen.Id("r")),
		),
		jen.Return(jen.Id("replies"), jen.Err()),
	)
}

// ackCall returns the body of a typed call: emit with an ack, then decode
// the ack into the named results.
func ackCall(emit *jen.Statement, ev *loader.Event, rn []string) []jen.Code {
	decode := jen.Qual(typedPkg, "DecodeAck").Call(append([]jen.Code{jen.Lit(ev.Wire), jen.Id("ack"), jen.Lit(ev.HasError)}, addrs(rn)...)...)
	body := []jen.Code{
		jen.List(jen.Id("ack"), jen.Err()).Op(":=").Add(emit),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(ids(rn), jen.Err())...)),
	}
	if len(rn) == 0 {
		return append(body, jen.Return(decode))
	}
	return append(body,
		jen.Err().Op("=").Add(decode),
		jen.Return(append(ids(rn), jen.Err())...),
	)
}
