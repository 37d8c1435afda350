package gogen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/siogen/sio/schema/loader"
)

// renderClient writes the typed client of one namespace.
func renderClient(f *jen.File, ns *loader.Namespace) {
	n := ns.VarName
	cl := n + "Client"
	recv := jen.Id("c").Op("*").Id(cl)

	addDoc(f, fmt.Sprintf("%s is a typed client of the %s namespace: one method per event the\n"+
		"server handles, one On… per event it sends.", cl, ns.Path))
	if ns.Doc != "" {
		f.Comment("")
		addDoc(f, ns.Doc)
	}
	f.Type().Id(cl).Struct(jen.Id("sock").Op("*").Qual(clientPkg, "Socket"))

	addDoc(f, fmt.Sprintf("New%s opens the %s namespace on m (one Engine.IO connection can carry\nmany namespaces).", cl, ns.Path))
	f.Func().Id("New"+cl).Params(jen.Id("m").Op("*").Qual(clientPkg, "Manager"), jen.Id("opts").Qual(clientPkg, "SocketOptions")).
		Params(jen.Op("*").Id(cl), jen.Error()).Block(
		jen.List(jen.Id("sock"), jen.Err()).Op(":=").Id("m").Dot("Socket").Call(jen.Lit(ns.Path), jen.Id("opts")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id(cl).Values(jen.Id("sock").Op(":").Id("sock")), jen.Nil()),
	)

	addDoc(f, fmt.Sprintf("Dial%s connects to the %s namespace of the server at rawURL (such as\n"+
		"\"http://127.0.0.1:3000\") on a new Manager. Close the Manager when done.", n, ns.Path))
	f.Func().Id("Dial"+n).Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("rawURL").String(),
		jen.Id("opts").Qual(clientPkg, "Options"), jen.Id("sopts").Qual(clientPkg, "SocketOptions")).
		Params(jen.Op("*").Id(cl), jen.Error()).Block(
		jen.List(jen.Id("u"), jen.Err()).Op(":=").Qual(typedPkg, "NamespaceURL").Call(jen.Id("rawURL"), jen.Lit(ns.Path)),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.List(jen.Id("sock"), jen.Err()).Op(":=").Qual(clientPkg, "Dial").Call(jen.Id("ctx"), jen.Id("u"), jen.Id("opts"), jen.Id("sopts")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id(cl).Values(jen.Id("sock").Op(":").Id("sock")), jen.Nil()),
	)

	addDoc(f, "Socket returns the untyped runtime socket (connection state, ID, Disconnect, Manager).")
	f.Func().Params(recv.Clone()).Id("Socket").Params().Op("*").Qual(clientPkg, "Socket").Block(jen.Return(jen.Id("c").Dot("sock")))

	for _, ev := range ns.ClientToServer.Events {
		clientCall(f, recv.Clone(), ev)
	}
	for _, ev := range ns.ServerToClient.Events {
		clientListener(f, recv.Clone(), ev)
	}
}

// clientCall writes the method that emits one client-to-server event.
func clientCall(f *jen.File, recv *jen.Statement, ev *loader.Event) {
	pn, rn := names(ev)
	target := jen.Id("c").Dot("sock")
	if ev.Volatile {
		target = target.Dot("Volatile").Call()
	}
	args := append([]jen.Code{jen.Lit(ev.Wire)}, ids(pn)...)
	doc := fmt.Sprintf("%s emits the %q event.", ev.Method, ev.Wire)
	if ev.Doc != "" {
		doc += "\n\n" + ev.Doc
	}
	if !ev.HasAck() {
		if ev.Volatile {
			doc += "\nIt is volatile: dropped, not buffered, while disconnected."
		} else {
			doc += "\nWhile disconnected it is buffered and sent on reconnection."
		}
		addDoc(f, doc)
		f.Func().Params(recv).Id(ev.Method).Params(paramList(ev, pn)...).Error().Block(
			jen.Return(target.Dot("Emit").Call(args...)))
		return
	}
	addDoc(f, doc+"\nIt waits for the server's ack until ctx is done.")
	params := append([]jen.Code{jen.Id("ctx").Qual("context", "Context")}, paramList(ev, pn)...)
	f.Func().Params(recv).Id(ev.Method).Params(params...).Params(resultList(ev, rn, true)...).Block(
		ackCall(target.Dot("EmitWithAck").Call(append([]jen.Code{jen.Id("ctx")}, args...)...), ev, rn)...)
}

// clientListener writes On<Method> for one server-to-client event.
func clientListener(f *jen.File, recv *jen.Statement, ev *loader.Event) {
	pn, rn := names(ev)
	var fnParams []jen.Code
	fnParams = append(fnParams, jen.Qual("context", "Context"))
	for _, p := range ev.Params {
		fnParams = append(fnParams, typ(p.Type))
	}
	fnType := jen.Func().Params(fnParams...)
	if ev.HasAck() {
		var res []jen.Code
		for _, r := range ev.Results {
			res = append(res, typ(r.Type))
		}
		if ev.HasError {
			res = append(res, jen.Error())
		}
		fnType = fnType.Params(res...)
	}
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
	call := jen.Id("fn").Call(append([]jen.Code{jen.Id("ctx")}, ids(pn)...)...)
	if !ev.HasAck() {
		body = append(body, call)
	} else {
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
	doc := fmt.Sprintf("On%s adds a handler of the %q event.", ev.Method, ev.Wire)
	if ev.HasAck() {
		doc += " Its results are the ack."
	}
	if ev.Doc != "" {
		doc += "\n\n" + ev.Doc
	}
	addDoc(f, doc)
	f.Func().Params(recv).Id("On" + ev.Method).Params(jen.Id("fn").Add(fnType)).Block(
		jen.Id("c").Dot("sock").Dot("On").Call(jen.Lit(ev.Wire), jen.Func().Params(
			jen.Id("ctx").Qual("context", "Context"),
			jen.Id("ev").Op("*").Qual(clientPkg, "Event"),
		).Block(body...)),
	)
}
