package loader

import (
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/tools/go/packages"
)

// SchemaPkgPath is the import path of the vocabulary package.
const SchemaPkgPath = "github.com/siogen/sio/schema"

// Reserved are event names Socket.IO keeps for itself.
var Reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// Errors is every problem found in a schema, each with its position.
type Errors []*Error

// Error is one problem in a schema.
type Error struct {
	Pos token.Position
	Msg string
}

func (e *Error) Error() string {
	if !e.Pos.IsValid() {
		return e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Pos.Filename, e.Pos.Line, e.Pos.Column, e.Msg)
}

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Config tells Load where to look.
type Config struct {
	Dir string // directory patterns are resolved in; "" means the current one
}

// Load loads the schema package named by pattern (an import path or a
// relative directory such as "./schema") and validates it. A schema with
// mistakes returns Errors listing all of them, sorted by position.
func Load(cfg Config, pattern string) (*Model, error) {
	pcfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports | packages.NeedDeps,
		Dir:   cfg.Dir,
		Tests: false,
	}
	pkgs, err := packages.Load(pcfg, pattern)
	if err != nil {
		return nil, fmt.Errorf("loader: load %s: %w", pattern, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("loader: %s matches %d packages, want exactly one", pattern, len(pkgs))
	}
	pkg := pkgs[0]
	if len(pkg.Errors) > 0 {
		var es Errors
		for _, e := range pkg.Errors {
			es = append(es, &Error{Msg: e.Error()})
		}
		return nil, es
	}
	l := &load{pkg: pkg, fset: pkg.Fset, docs: map[token.Pos]*ast.Field{}}
	return l.run()
}

type load struct {
	pkg  *packages.Package
	fset *token.FileSet
	errs Errors
	docs map[token.Pos]*ast.Field // interface method name position → its field
	// named records the event sets checkGeneratedNames has seen.
	named map[any]bool
}

func (l *load) errorf(pos token.Pos, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: l.fset.Position(pos), Msg: fmt.Sprintf(format, args...)})
}

func (l *load) run() (*Model, error) {
	m := &Model{PkgPath: l.pkg.PkgPath, PkgName: l.pkg.Name}
	if len(l.pkg.GoFiles) > 0 {
		m.Dir = dirOf(l.pkg.GoFiles[0])
	}
	l.indexMethodDocs()

	paths := map[string]*Namespace{}
	for _, file := range l.pkg.Syntax {
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					ns := l.namespace(gd, vs, i, name)
					if ns == nil {
						continue
					}
					if prev, dup := paths[ns.Path]; dup {
						l.errorf(name.Pos(), "namespace %q is already declared by %s", ns.Path, prev.VarName)
						continue
					}
					paths[ns.Path] = ns
					m.Namespaces = append(m.Namespaces, ns)
				}
			}
		}
	}
	if len(m.Namespaces) == 0 && len(l.errs) == 0 {
		l.errs = append(l.errs, &Error{Msg: fmt.Sprintf("%s: no schema.Namespace variables found", l.pkg.PkgPath)})
	}
	if len(l.errs) > 0 {
		sort.SliceStable(l.errs, func(i, j int) bool { return posLess(l.errs[i].Pos, l.errs[j].Pos) })
		return nil, l.errs
	}
	sort.SliceStable(m.Namespaces, func(i, j int) bool { return posLess(m.Namespaces[i].Pos, m.Namespaces[j].Pos) })
	return m, nil
}

func posLess(a, b token.Position) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Column < b.Column
}

func dirOf(file string) string {
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		return file[:i]
	}
	return "."
}

// indexMethodDocs records the AST field of every interface method in the
// package so directives in doc comments can be found from a *types.Func.
func (l *load) indexMethodDocs() {
	for _, file := range l.pkg.Syntax {
		ast.Inspect(file, func(n ast.Node) bool {
			it, ok := n.(*ast.InterfaceType)
			if !ok {
				return true
			}
			for _, f := range it.Methods.List {
				for _, name := range f.Names {
					l.docs[name.Pos()] = f
				}
			}
			return true
		})
	}
}

// namespace returns the model of variable i of vs when it is a
// schema.Namespace instantiation, nil otherwise.
func (l *load) namespace(gd *ast.GenDecl, vs *ast.ValueSpec, i int, name *ast.Ident) *Namespace {
	obj, _ := l.pkg.TypesInfo.Defs[name].(*types.Var)
	if obj == nil {
		return nil
	}
	named, ok := types.Unalias(obj.Type()).(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != SchemaPkgPath || named.Obj().Name() != "Namespace" {
		return nil
	}
	if !name.IsExported() {
		l.errorf(name.Pos(), "namespace variable %s must be exported", name.Name)
	}
	targs := named.TypeArgs()
	ns := &Namespace{VarName: name.Name, Pos: l.fset.Position(name.Pos()), Data: targs.At(2)}
	ns.Doc = docText(vs.Doc, gd.Doc)

	ns.Path = l.namespacePath(vs, i, name)
	ns.ClientToServer = l.eventSet(name, "client-to-server", targs.At(0))
	ns.ServerToClient = l.eventSet(name, "server-to-client", targs.At(1))
	l.checkGeneratedNames(ns)
	l.checkType(name.Pos(), "socket data", ns.Data, map[types.Type]bool{})
	return ns
}

func docText(groups ...*ast.CommentGroup) string {
	for _, g := range groups {
		if g != nil {
			return strings.TrimSpace(g.Text())
		}
	}
	return ""
}

// namespacePath evaluates the Path field of the variable's composite literal.
func (l *load) namespacePath(vs *ast.ValueSpec, i int, name *ast.Ident) string {
	if i >= len(vs.Values) {
		l.errorf(name.Pos(), "namespace %s needs a value such as {Path: \"/\"}", name.Name)
		return ""
	}
	lit, ok := ast.Unparen(vs.Values[i]).(*ast.CompositeLit)
	if !ok {
		l.errorf(vs.Values[i].Pos(), "namespace %s must be a composite literal such as {Path: \"/\"}", name.Name)
		return ""
	}
	var pathExpr ast.Expr
	for _, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Path" {
				pathExpr = kv.Value
			}
		} else {
			pathExpr = elt
		}
	}
	if pathExpr == nil {
		l.errorf(lit.Pos(), "namespace %s has no Path", name.Name)
		return ""
	}
	tv := l.pkg.TypesInfo.Types[pathExpr]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		l.errorf(pathExpr.Pos(), "namespace %s: Path must be a constant string", name.Name)
		return ""
	}
	p := constant.StringVal(tv.Value)
	if !strings.HasPrefix(p, "/") {
		l.errorf(pathExpr.Pos(), "namespace %s: Path %q must start with /", name.Name, p)
	}
	if strings.ContainsAny(p, ",?#") {
		l.errorf(pathExpr.Pos(), "namespace %s: Path %q must not contain ',', '?' or '#'", name.Name, p)
	}
	return p
}

// eventSet validates one events interface.
func (l *load) eventSet(at *ast.Ident, dir string, t types.Type) *EventSet {
	set := &EventSet{Type: t}
	iface, ok := t.Underlying().(*types.Interface)
	if !ok {
		l.errorf(at.Pos(), "namespace %s: %s events type %s must be an interface", at.Name, dir, typeString(t))
		return set
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && !n.Obj().Exported() && iface.NumMethods() > 0 {
		l.errorf(n.Obj().Pos(), "events interface %s must be exported", n.Obj().Name())
	}
	if !iface.IsMethodSet() {
		l.errorf(at.Pos(), "namespace %s: %s events interface must only have methods", at.Name, dir)
		return set
	}
	methods := make([]*types.Func, iface.NumMethods())
	for i := range methods {
		methods[i] = iface.Method(i)
	}
	sort.SliceStable(methods, func(i, j int) bool {
		return posLess(l.fset.Position(methods[i].Pos()), l.fset.Position(methods[j].Pos()))
	})
	wires := map[string]*Event{}
	for _, fn := range methods {
		ev := l.event(fn)
		if ev == nil {
			continue
		}
		if prev, dup := wires[ev.Wire]; dup {
			l.errorf(fn.Pos(), "event %q of %s is already used by %s", ev.Wire, fn.Name(), prev.Method)
			continue
		}
		wires[ev.Wire] = ev
		set.Events = append(set.Events, ev)
	}
	return set
}

// generatedNames are method names sio-gen itself gives the typed client
// (client-to-server events become client methods) and the typed socket
// (server-to-client events become Emit<Method>).
var (
	clientMethodNames = map[string]bool{"Socket": true}
	emitMethodNames   = map[string]bool{"WithAck": true}
)

// checkGeneratedNames rejects event methods whose generated names would
// collide with the generated API around them.
func (l *load) checkGeneratedNames(ns *Namespace) {
	type key struct {
		t   types.Type
		dir string
	}
	if l.named == nil {
		l.named = map[any]bool{}
	}
	if l.named[key{ns.ClientToServer.Type, "c2s"}] || l.named[key{ns.ServerToClient.Type, "s2c"}] {
		return
	}
	l.named[key{ns.ClientToServer.Type, "c2s"}] = true
	l.named[key{ns.ServerToClient.Type, "s2c"}] = true
	for _, ev := range ns.ClientToServer.Events {
		if clientMethodNames[ev.Method] {
			l.errorf(ev.pos, "event method %s clashes with the generated client's %s method; rename it (the wire name can stay with //sio:event)", ev.Method, ev.Method)
		}
	}
	for _, ev := range ns.ServerToClient.Events {
		if emitMethodNames[ev.Method] {
			l.errorf(ev.pos, "event method %s would generate Emit%s, which the runtime socket already has; rename it", ev.Method, ev.Method)
		}
	}
}

var errorType = types.Universe.Lookup("error").Type()

func (l *load) event(fn *types.Func) *Event {
	sig := fn.Type().(*types.Signature)
	ev := &Event{Method: fn.Name(), Wire: lowerFirst(fn.Name()), Pos: l.fset.Position(fn.Pos()), pos: fn.Pos()}
	if f := l.docs[fn.Pos()]; f != nil {
		ev.Doc = docText(f.Doc)
		l.directives(fn, f, ev)
	}
	if !fn.Exported() {
		l.errorf(fn.Pos(), "event method %s must be exported", fn.Name())
	}
	if Reserved[ev.Wire] {
		l.errorf(fn.Pos(), "event name %q is reserved by Socket.IO", ev.Wire)
	}
	if sig.Variadic() {
		l.errorf(fn.Pos(), "event %s: variadic parameters are not supported", fn.Name())
	}
	seen := map[types.Type]bool{}
	for i := 0; i < sig.Params().Len(); i++ {
		p := sig.Params().At(i)
		if isContext(p.Type()) {
			l.errorf(p.Pos(), "event %s: do not declare a context.Context parameter; generated code adds one", fn.Name())
			continue
		}
		l.checkType(p.Pos(), fmt.Sprintf("event %s: parameter %s", fn.Name(), nameOr(p.Name(), i)), p.Type(), seen)
		ev.Params = append(ev.Params, &Value{Name: p.Name(), Type: p.Type()})
	}
	res := sig.Results()
	for i := 0; i < res.Len(); i++ {
		r := res.At(i)
		if types.Identical(r.Type(), errorType) {
			if i != res.Len()-1 {
				l.errorf(r.Pos(), "event %s: error must be the last result", fn.Name())
			}
			ev.HasError = true
			continue
		}
		l.checkType(r.Pos(), fmt.Sprintf("event %s: result %d", fn.Name(), i), r.Type(), seen)
		ev.Results = append(ev.Results, &Value{Name: r.Name(), Type: r.Type()})
	}
	if ev.Volatile && ev.HasAck() {
		l.errorf(fn.Pos(), "event %s: a volatile event cannot have an ack", fn.Name())
	}
	return ev
}

func nameOr(name string, i int) string {
	if name == "" || name == "_" {
		return strconv.Itoa(i)
	}
	return name
}

// directives reads `//sio:event ["wire name"] [volatile]` lines.
func (l *load) directives(fn *types.Func, f *ast.Field, ev *Event) {
	if f.Doc == nil {
		return
	}
	for _, c := range f.Doc.List {
		text, ok := strings.CutPrefix(c.Text, "//sio:")
		if !ok {
			continue
		}
		verb, rest, _ := strings.Cut(text, " ")
		if verb != "event" {
			l.errorf(c.Pos(), "unknown directive //sio:%s (want //sio:event)", verb)
			continue
		}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				l.errorf(c.Pos(), "//sio:event: bad quoted name: %v", err)
				continue
			}
			name, _ := strconv.Unquote(q)
			if name == "" {
				l.errorf(c.Pos(), "//sio:event: the event name must not be empty")
			}
			ev.Wire = name
			rest = strings.TrimSpace(rest[len(q):])
		}
		for _, word := range strings.Fields(rest) {
			switch word {
			case "volatile":
				ev.Volatile = true
			default:
				l.errorf(c.Pos(), "//sio:event: unknown option %q (want volatile)", word)
			}
		}
	}
}

func lowerFirst(s string) string {
	for i, r := range s {
		return string(unicode.ToLower(r)) + s[i+len(string(r)):]
	}
	return s
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func isTime(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time"
}

// IsBytes reports whether t is []byte (or a named type of it): binary data.
func IsBytes(t types.Type) bool {
	s, ok := t.Underlying().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().Underlying().(*types.Basic)
	return ok && b.Kind() == types.Byte
}

func typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}

var errUnsupported = errors.New("unsupported")

// checkType reports the types a Socket.IO peer cannot exchange.
func (l *load) checkType(pos token.Pos, what string, t types.Type, seen map[types.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	if n, ok := types.Unalias(t).(*types.Named); ok {
		if n.Obj().Pkg() != nil && !n.Obj().Exported() {
			l.errorf(pos, "%s: type %s is unexported; generated code in another package cannot name it", what, typeString(t))
			return
		}
		if n.TypeParams().Len() > 0 && n.TypeArgs().Len() == 0 {
			l.errorf(pos, "%s: generic type %s needs type arguments", what, typeString(t))
			return
		}
		if isTime(t) {
			return
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			l.errorf(pos, "%s: complex numbers cannot be sent (type %s)", what, typeString(t))
		case u.Kind() == types.UnsafePointer || u.Kind() == types.Uintptr:
			l.errorf(pos, "%s: type %s cannot be sent", what, typeString(t))
		case u.Kind() == types.UntypedNil || u.Info()&types.IsUntyped != 0:
			l.errorf(pos, "%s: untyped value", what)
		}
	case *types.Pointer:
		l.checkType(pos, what, u.Elem(), seen)
	case *types.Slice:
		if !IsBytes(t) {
			l.checkType(pos, what, u.Elem(), seen)
		}
	case *types.Array:
		l.checkType(pos, what, u.Elem(), seen)
	case *types.Map:
		kb, ok := u.Key().Underlying().(*types.Basic)
		if !ok || kb.Info()&types.IsString == 0 {
			l.errorf(pos, "%s: map keys must be strings, not %s", what, typeString(u.Key()))
		}
		l.checkType(pos, what, u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if !f.Exported() && !f.Embedded() {
				continue // not on the wire
			}
			if tag := reflectTag(u.Tag(i), "json"); tag == "-" {
				continue
			}
			l.checkType(pos, what+" field "+f.Name(), f.Type(), seen)
		}
	case *types.Interface:
		if !u.Empty() {
			l.errorf(pos, "%s: interface type %s cannot be decoded from the wire (use a concrete type or any)", what, typeString(t))
		}
	case *types.Chan:
		l.errorf(pos, "%s: channel type %s cannot be sent", what, typeString(t))
	case *types.Signature:
		l.errorf(pos, "%s: function type %s cannot be sent", what, typeString(t))
	case *types.TypeParam:
		l.errorf(pos, "%s: type parameters are not supported", what)
	default:
		l.errorf(pos, "%s: type %s is %v", what, typeString(t), errUnsupported)
	}
}

func reflectTag(tag, key string) string {
	v, _, _ := strings.Cut(reflect.StructTag(tag).Get(key), ",")
	return v
}
