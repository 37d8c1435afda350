package msgpack

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/codec/engineio"
	"github.com/siogen/sio/codec/socketio"
)

// Expectations of a cross-check case.
const (
	expectOK     = "ok"     // both parsers accept
	expectReject = "reject" // both reject
	expectStrict = "strict" // JS accepts, Go rejects on purpose (see package doc)
	expectAny    = "any"    // generated input: only the cross-parser rules apply
)

// strictReasons are the error texts of Go's documented extra rules.
var strictReasons = []string{
	"reserved event name",
	"at least the event name",
	"first element must be",
	"invalid namespace: empty",
	"not valid UTF-8",
	"out of range",
	"must be a string, found", // top-level map key
	"nesting deeper",
}

func isStrict(err error) bool {
	for _, r := range strictReasons {
		if strings.Contains(err.Error(), r) {
			return true
		}
	}
	return false
}

// checker runs cross-checks against one oracle and counts them.
type checker struct {
	t      *testing.T
	o      *oracle
	dec    socketio.Decoder
	counts map[string]int
	goWant map[string]any // per case: the packet Go must decode, where it differs from notepack 2.2 by design
}

func goDecode(dec socketio.Decoder, b []byte) (*socketio.Packet, error) {
	return dec.Decode(engineio.BinaryPacket(bytes.Clone(b)))
}

func goEncode(p *socketio.Packet) ([]byte, error) {
	ms, err := Codec{}.Encode(p)
	if err != nil {
		return nil, err
	}
	if len(ms) != 1 || !ms[0].Binary || ms[0].Type != engineio.Message {
		return nil, fmt.Errorf("Encode returned %d messages (%+v)", len(ms), ms)
	}
	return ms[0].Data, nil
}

// bytesCase checks one message against both decoders:
// what JS decodes, Go decodes to the same packet; what JS rejects, Go
// rejects; Go's re-encoding decodes in JS to the same packet and, when
// canonical, is byte-identical.
func (c *checker) bytesCase(name string, b []byte, expect string, canonical bool) {
	t := c.t
	t.Helper()
	c.counts[expect]++
	jsP, jsErr := c.o.decode(b)
	goP, goErr := goDecode(c.dec, b)
	switch {
	case expect == expectReject || (expect == expectAny && jsErr != ""):
		if jsErr == "" {
			t.Errorf("%s: JS accepts % x, expected a rejection", name, b)
		}
		if goErr == nil {
			t.Errorf("%s: JS rejects (%s) but Go accepts % x as %+v", name, jsErr, b, goP)
		}
		return
	case jsErr != "":
		t.Errorf("%s: JS rejects % x: %s", name, b, jsErr)
		return
	case expect == expectStrict || (expect == expectAny && goErr != nil):
		if goErr == nil {
			t.Errorf("%s: Go accepts % x, expected a documented strict rejection", name, b)
		} else if !isStrict(goErr) {
			t.Errorf("%s: JS accepts % x as %s but Go rejects it: %v", name, b, mustJSON(jsP), goErr)
		}
		return
	case goErr != nil:
		t.Errorf("%s: Go rejects % x: %v (JS: %s)", name, b, goErr, mustJSON(jsP))
		return
	}
	if want, ok := c.goWant[name]; ok {
		// A documented difference: Go reads this form as JS would if it used
		// notepack 3 (a timestamp as a Date); Go's re-encoding must then
		// reach JS as that packet.
		jsP = jsonNormalize(t, want)
	}
	if got := canonPacket(t, goP); !deepEqual(got, jsP) {
		t.Errorf("%s: decoded packets differ for % x\n Go: %s\n JS: %s", name, b, mustJSON(got), mustJSON(jsP))
		return
	}
	out, err := goEncode(goP)
	if err != nil {
		if expect == expectAny && isStrict(err) {
			return
		}
		t.Errorf("%s: Go cannot re-encode %+v: %v", name, goP, err)
		return
	}
	js2, jsErr2 := c.o.decode(out)
	if jsErr2 != "" {
		t.Errorf("%s: JS rejects Go's encoding % x: %s", name, out, jsErr2)
		return
	}
	if !deepEqual(js2, jsP) {
		t.Errorf("%s: JS decodes Go's encoding differently\n Go bytes: % x\n JS bytes: % x\n got:  %s\n want: %s", name, out, b, mustJSON(js2), mustJSON(jsP))
	}
	if canonical && !bytes.Equal(out, b) {
		t.Errorf("%s: Go's encoding differs from the npm parser's\n Go: % x\n JS: % x", name, out, b)
	}
}

// jsCase has the npm encoder encode spec, then runs bytesCase.
func (c *checker) jsCase(name string, spec obj, expect string, canonical bool) []byte {
	c.t.Helper()
	b := c.o.encode(spec)
	c.bytesCase(name, b, expect, canonical)
	return b
}

// goCase encodes a Go-built packet and checks that JS decodes it to the same
// packet, that Go decodes it back to the same, and, when canonical, that JS
// re-encodes the decoded object to the same bytes.
func (c *checker) goCase(name string, p *socketio.Packet, canonical bool) {
	t := c.t
	t.Helper()
	c.counts["go-built"]++
	b, err := goEncode(p)
	if err != nil {
		t.Errorf("%s: encode: %v", name, err)
		return
	}
	want := canonPacket(t, p)
	jsP, jsErr := c.o.decode(b)
	if jsErr != "" {
		t.Errorf("%s: JS rejects Go's % x: %s", name, b, jsErr)
		return
	}
	if !deepEqual(jsP, want) {
		t.Errorf("%s: JS decodes % x as\n %s\nwant %s", name, b, mustJSON(jsP), mustJSON(want))
	}
	back, err := goDecode(c.dec, b)
	if err != nil {
		t.Errorf("%s: Go cannot decode its own % x: %v", name, b, err)
	} else if got := canonPacket(t, back); !deepEqual(got, want) {
		t.Errorf("%s: round trip\n got  %s\n want %s", name, mustJSON(got), mustJSON(want))
	}
	if canonical {
		if re := c.o.reencode(b); !bytes.Equal(re, b) {
			t.Errorf("%s: JS re-encodes Go's bytes differently\n Go: % x\n JS: % x", name, b, re)
		}
	}
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return b
}

func ints(n int) []any {
	a := make([]any, n)
	for i := range a {
		a[i] = i % 300
	}
	return a
}

func bigObj(n int) obj {
	o := make(obj, n)
	for i := range o {
		o[i] = kv{fmt.Sprintf("k%02d", i), i}
	}
	return o
}

// jsArg is one argument value in tagged JSON; quirk marks values Go
// re-encodes in another (equivalent) form, so bytes are not canonical.
type jsArg struct {
	name  string
	v     any
	quirk bool
}

func jsArgs() []jsArg {
	a := []jsArg{
		{"str", "hello", false},
		{"empty-str", "", false},
		{"unicode", "héllo wörld 日本語 😀", false},
		{"nul-char", "a\x00b", false},
		{"long-unicode", strings.Repeat("ü😀", 20), false},
		{"null", nil, false},
		{"true", true, false},
		{"false", false, false},
		{"undefined", jsUndef(), true},
		{"nan", jsNum("NaN"), false},
		{"inf", jsNum("Infinity"), false},
		{"-inf", jsNum("-Infinity"), false},
		{"-0", jsNum("-0"), false},
		{"2^63", jsNum("9223372036854775808"), false},
		{"-2^63", jsNum("-9223372036854775808"), false},
		{"2^60", jsNum("1152921504606846976"), false},
		{"empty-obj", obj{}, false},
		{"empty-arr", []any{}, false},
		{"nested", obj{{"a", obj{{"b", obj{{"c", []any{1, 2, obj{{"d", "e"}}}}}}}}}, false},
		{"int-keys", obj{{"b", 1}, {"2", 2}, {"1", 3}}, false},
		{"undef-in-obj", obj{{"x", jsUndef()}, {"y", 1}}, true},
		{"undef-in-arr", []any{1, jsUndef(), 3}, true},
		{"arr15", ints(15), false},
		{"arr16", ints(16), false},
		{"arr65536", ints(65536), false},
		{"map15", bigObj(15), false},
		{"map16", bigObj(16), false},
		{"buf", jsBuf(seq(10)), false},
		{"buf-empty", jsBuf([]byte{}), false},
		{"buf300", jsBuf(seq(300)), false},
		{"buf70000", jsBuf(seq(70000)), false},
		{"arraybuffer", jsAB([]byte{1, 2, 3}), true},
		{"arraybuffer-empty", jsAB([]byte{}), true},
		{"arraybuffer1", jsAB([]byte{9}), true},
		{"arraybuffer300", jsAB(seq(300)), true},
		{"arraybuffer70000", jsAB(seq(70000)), true},
		{"uint8array", jsU8(seq(5)), true},
		{"bin-depth1", obj{{"file", jsBuf(seq(4))}}, false},
		{"bin-depth2", obj{{"a", []any{jsBuf(seq(4))}}}, false},
		{"bin-depth3", obj{{"a", obj{{"b", []any{jsAB(seq(4))}}}}}, true},
		{"bin-mixed", []any{jsBuf(seq(2)), jsAB(seq(3)), jsBuf(seq(1))}, true},
		{"date0", jsDate(0), false},
		{"date", jsDate(1700000000123), false},
		{"date-neg", jsDate(-1), false},
		{"date-year1", jsDate(-62135596800000), false},
		{"date-in-obj", obj{{"at", jsDate(1700000000000)}}, false},
	}
	for _, n := range []int{31, 32, 255, 256, 65535, 65536} {
		a = append(a, jsArg{fmt.Sprintf("str%d", n), strings.Repeat("x", n), false})
	}
	for _, n := range []float64{0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991,
		-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -9007199254740991,
		1.5, -0.25, math.Pi, 1e300, 5e-324, -1e-300, 1e21, 123456.789} {
		a = append(a, jsArg{fmt.Sprintf("num%v", n), n, false})
	}
	return a
}

// serverEvent is a packet object in the Node server's order.
func serverEvent(nsp string, id any, data ...any) obj {
	o := obj{{"type", 2}, {"data", data}}
	if id != nil {
		o = append(o, kv{"id", id})
	}
	return append(o, kv{"nsp", nsp})
}

func TestCrossCheckNpmParser(t *testing.T) {
	c := &checker{t: t, o: startOracle(t), dec: Codec{}.NewDecoder(socketio.DecoderOptions{}), counts: map[string]int{}, goWant: map[string]any{}}
	var valid [][]byte // JS-encoded valid packets, for the mutation round

	// Every argument kind, alone and after a string, in an event.
	for _, a := range jsArgs() {
		valid = append(valid, c.jsCase("arg/"+a.name, serverEvent("/", nil, "message", a.v), expectOK, !a.quirk))
		c.jsCase("ack-arg/"+a.name, obj{{"id", 7}, {"type", 3}, {"data", []any{a.v, "tail"}}, {"nsp", "/chat"}}, expectOK, !a.quirk)
	}

	// Every packet type across namespaces, ack ids and key orders.
	nsps := []string{"/", "/admin", "/ü-ñ/日本", "/a/b", "/" + strings.Repeat("n", 40)}
	for _, nsp := range nsps {
		p := "nsp=" + nsp + "/"
		for _, id := range []any{nil, 0, 1, 127, 128, 65536, 4294967296, 9007199254740991} {
			valid = append(valid, c.jsCase(fmt.Sprintf("%sevent-id-%v", p, id), serverEvent(nsp, id, "chat", obj{{"text", "hi"}}, 3), expectOK, true))
		}
		c.jsCase(p+"ack-server-empty", obj{{"id", 3}, {"type", 3}, {"data", []any{}}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"ack-server", obj{{"id", 3}, {"type", 3}, {"data", []any{"ok", 1, jsBuf(seq(3))}}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"ack-client-order", obj{{"type", 3}, {"id", 4}, {"data", []any{"x"}}, {"nsp", nsp}}, expectOK, false)
		c.jsCase(p+"ack-no-id", obj{{"type", 3}, {"data", []any{"x"}}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"connect-bare", obj{{"type", 0}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"connect-client-undefined", obj{{"type", 0}, {"data", jsUndef()}, {"nsp", nsp}}, expectOK, false)
		c.jsCase(p+"connect-auth", obj{{"type", 0}, {"data", obj{{"token", "t0k"}, {"n", 1}}}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"connect-empty-obj", obj{{"type", 0}, {"data", obj{}}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"connect-reply", obj{{"type", 0}, {"data", obj{{"sid", "CyR7AOGHiqT7HaojAAAA"}, {"pid", jsUndef()}}}, {"nsp", nsp}}, expectOK, false)
		c.jsCase(p+"connect-reply-pid", obj{{"type", 0}, {"data", obj{{"sid", "abc"}, {"pid", "def"}}}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"disconnect", obj{{"type", 1}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"disconnect-undefined", obj{{"type", 1}, {"data", jsUndef()}, {"nsp", nsp}}, expectOK, false)
		c.jsCase(p+"connect-error-str", obj{{"type", 4}, {"data", "not authorized"}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"connect-error-map", obj{{"type", 4}, {"data", obj{{"message", "nope"}, {"data", obj{{"code", 42}}}}}, {"nsp", nsp}}, expectOK, true)
		c.jsCase(p+"connect-error-ns-order", obj{{"type", 4}, {"nsp", nsp}, {"data", obj{{"message", "Invalid namespace"}}}}, expectOK, false)
		c.jsCase(p+"event-client-order", obj{{"type", 2}, {"data", []any{"ping", obj{{"a", 1}}}}, {"options", obj{{"compress", true}}}, {"id", 5}, {"nsp", nsp}}, expectOK, false)
		c.jsCase(p+"event-readme-order", obj{{"type", 2}, {"nsp", nsp}, {"data", []any{"hello", "you"}}}, expectOK, false)
		c.jsCase(p+"event-reverse-order", obj{{"nsp", nsp}, {"id", 9}, {"data", []any{"hello"}}, {"type", 2}}, expectOK, false)
		c.jsCase(p+"event-broadcast-ack-order", obj{{"type", 2}, {"data", []any{"bq"}}, {"nsp", nsp}, {"id", 1}}, expectOK, false)
	}

	// Event names.
	for _, name := range []any{"", "ü", "message", 5, 0, -3, 1.5, 1e21, 1e-7, 123e-20, "connected", "disconnection"} {
		c.jsCase(fmt.Sprintf("event-name/%v", name), serverEvent("/", nil, name, 1), expectOK, kindOfName(name))
	}

	// What the npm parser rejects.
	rejects := map[string]obj{
		"type-5":              {{"type", 5}, {"data", []any{"x"}}, {"nsp", "/"}},
		"type-6":              {{"type", 6}, {"data", []any{"x"}}, {"nsp", "/"}},
		"type-7":              {{"type", 7}, {"nsp", "/"}},
		"type-neg":            {{"type", -1}, {"nsp", "/"}},
		"type-float":          {{"type", 1.5}, {"nsp", "/"}},
		"type-string":         {{"type", "2"}, {"data", []any{"x"}}, {"nsp", "/"}},
		"type-null":           {{"type", nil}, {"nsp", "/"}},
		"type-undefined":      {{"type", jsUndef()}, {"nsp", "/"}},
		"type-missing":        {{"data", []any{"x"}}, {"nsp", "/"}},
		"type-bool":           {{"type", true}, {"nsp", "/"}},
		"nsp-missing":         {{"type", 2}, {"data", []any{"x"}}},
		"nsp-number":          {{"type", 2}, {"data", []any{"x"}}, {"nsp", 1}},
		"nsp-null":            {{"type", 1}, {"nsp", nil}},
		"nsp-undefined":       {{"type", 1}, {"nsp", jsUndef()}},
		"nsp-buffer":          {{"type", 1}, {"nsp", jsBuf([]byte("/"))}},
		"connect-str":         {{"type", 0}, {"data", "x"}, {"nsp", "/"}},
		"connect-arr":         {{"type", 0}, {"data", []any{}}, {"nsp", "/"}},
		"connect-null":        {{"type", 0}, {"data", nil}, {"nsp", "/"}},
		"connect-num":         {{"type", 0}, {"data", 5}, {"nsp", "/"}},
		"connect-date":        {{"type", 0}, {"data", jsDate(5)}, {"nsp", "/"}},
		"connect-buffer":      {{"type", 0}, {"data", jsBuf(seq(2))}, {"nsp", "/"}},
		"connect-arraybuffer": {{"type", 0}, {"data", jsAB(seq(2))}, {"nsp", "/"}},
		"disconnect-obj":      {{"type", 1}, {"data", obj{}}, {"nsp", "/"}},
		"disconnect-arr":      {{"type", 1}, {"data", []any{}}, {"nsp", "/"}},
		"disconnect-null":     {{"type", 1}, {"data", nil}, {"nsp", "/"}},
		"cerr-undefined":      {{"type", 4}, {"nsp", "/"}},
		"cerr-num":            {{"type", 4}, {"data", 5}, {"nsp", "/"}},
		"cerr-arr":            {{"type", 4}, {"data", []any{"x"}}, {"nsp", "/"}},
		"cerr-null":           {{"type", 4}, {"data", nil}, {"nsp", "/"}},
		"event-obj":           {{"type", 2}, {"data", obj{}}, {"nsp", "/"}},
		"event-str":           {{"type", 2}, {"data", "x"}, {"nsp", "/"}},
		"event-missing":       {{"type", 2}, {"nsp", "/"}},
		"event-null":          {{"type", 2}, {"data", nil}, {"nsp", "/"}},
		"event-buffer":        {{"type", 2}, {"data", jsBuf(seq(2))}, {"nsp", "/"}},
		"ack-obj":             {{"type", 3}, {"data", obj{}}, {"id", 1}, {"nsp", "/"}},
		"ack-missing":         {{"type", 3}, {"id", 1}, {"nsp", "/"}},
		"id-string":           {{"type", 2}, {"data", []any{"x"}}, {"id", "1"}, {"nsp", "/"}},
		"id-float":            {{"type", 2}, {"data", []any{"x"}}, {"id", 1.5}, {"nsp", "/"}},
		"id-null":             {{"type", 2}, {"data", []any{"x"}}, {"id", nil}, {"nsp", "/"}},
		"id-bool":             {{"type", 3}, {"data", []any{}}, {"id", true}, {"nsp", "/"}},
		"id-nan":              {{"type", 3}, {"data", []any{}}, {"id", jsNum("NaN")}, {"nsp", "/"}},
		"id-inf":              {{"type", 3}, {"data", []any{}}, {"id", jsNum("Infinity")}, {"nsp", "/"}},
	}
	for _, name := range sortedKeys(rejects) {
		c.jsCase("reject/"+name, rejects[name], expectReject, false)
	}

	// What the npm parser accepts and Go rejects on purpose.
	stricts := map[string]obj{
		"event-empty":      {{"type", 2}, {"data", []any{}}, {"nsp", "/"}},
		"event-name-obj":   {{"type", 2}, {"data", []any{obj{}}}, {"nsp", "/"}},
		"event-name-null":  {{"type", 2}, {"data", []any{nil, 1}}, {"nsp", "/"}},
		"event-name-bool":  {{"type", 2}, {"data", []any{true}}, {"nsp", "/"}},
		"event-name-buf":   {{"type", 2}, {"data", []any{jsBuf(seq(2))}}, {"nsp", "/"}},
		"event-name-undef": {{"type", 2}, {"data", []any{jsUndef()}}, {"nsp", "/"}},
		"nsp-empty":        {{"type", 1}, {"nsp", ""}},
		"id-negative":      {{"type", 2}, {"data", []any{"x"}}, {"id", -1}, {"nsp", "/"}},
	}
	for name := range socketio.ReservedEvents {
		stricts["reserved-"+name] = obj{{"type", 2}, {"data", []any{name, 1}}, {"nsp", "/"}}
	}
	for _, name := range sortedKeys(stricts) {
		c.jsCase("strict/"+name, stricts[name], expectStrict, false)
	}

	// Hand-made messages: notepack quirks and forms the JS encoder never writes.
	for _, r := range rawCases() {
		if r.goWant != nil {
			c.goWant["raw/"+r.name] = r.goWant
		}
		c.bytesCase("raw/"+r.name, r.b, r.expect, false)
	}

	// Every proper prefix of a few valid packets is rejected by both.
	for i, b := range valid[:4] {
		for n := 0; n < len(b) && n < 120; n++ {
			c.bytesCase(fmt.Sprintf("prefix/%d/%d", i, n), b[:n], expectReject, false)
		}
	}

	// Deterministic single-byte mutations of valid packets.
	rng := rand.New(rand.NewPCG(1, 2))
	for i, b := range valid {
		if len(b) > 4096 {
			continue
		}
		for j := 0; j < 4; j++ {
			m := bytes.Clone(b)
			m[rng.IntN(len(m))] = byte(rng.IntN(256))
			c.bytesCase(fmt.Sprintf("mutate/%d/%d", i, j), m, expectAny, false)
		}
	}

	// Go-built packets: Go encodes, JS decodes.
	for _, g := range goCases(t) {
		c.goCase("go/"+g.name, g.p, g.canonical)
	}

	total := 0
	for _, n := range c.counts {
		total += n
	}
	t.Logf("cross-checked %d messages: %v", total, c.counts)
	if total < 150 {
		t.Errorf("only %d cases", total)
	}
}

func kindOfName(name any) bool {
	_, isString := name.(string)
	return isString // a numeric name comes back as a string: not canonical
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

type rawCase struct {
	name   string
	b      []byte
	expect string
	goWant any // the packet Go decodes where it differs from notepack 2.2 by design
}

// hexb builds bytes from space-separated hex, with 'x' strings as "'text'".
func hexb(s string) []byte {
	var out []byte
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "'") {
			out = append(out, strings.Trim(f, "'")...)
			continue
		}
		var v byte
		fmt.Sscanf(f, "%02x", &v)
		out = append(out, v)
	}
	return out
}

// ev wraps data bytes in {type:2, nsp:"/", data:<data>}.
func ev(data string) []byte {
	return append(hexb("83 a4 'type' 02 a3 'nsp' a1 2f a4 'data'"), hexb(data)...)
}

func rawCases() []rawCase {
	deep := append(hexb("83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a1 'x'"), bytes.Repeat([]byte{0x91}, 150)...)
	deep = append(deep, 0xc0)
	ok100 := append(hexb("83 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 92 a1 'x'"), bytes.Repeat([]byte{0x91}, MaxDepth-2)...)
	ok100 = append(ok100, 0xc0)
	return []rawCase{
		{"empty", nil, expectReject, nil},
		{"nil", hexb("c0"), expectReject, nil},
		{"array", hexb("91 02"), expectReject, nil},
		{"string", hexb("a3 'abc'"), expectReject, nil},
		{"empty-map", hexb("80"), expectReject, nil},
		{"c1", hexb("c1"), expectReject, nil},
		{"c1-in-args", ev("92 a1 'x' c1"), expectReject, nil},
		{"trailing", append(ev("91 a1 'x'"), 0), expectReject, nil},
		{"map16-short", hexb("de 00"), expectReject, nil},
		{"map32-huge", hexb("df ff ff ff ff a4 'type' 02"), expectReject, nil},
		{"array32-huge", ev("dd ff ff ff ff a1 'x'"), expectReject, nil},
		{"str32-huge", ev("91 db ff ff ff ff 'x'"), expectReject, nil},
		{"bin32-huge", ev("92 a1 'x' c6 7f ff ff ff 00"), expectReject, nil},
		// (notepack allocates and fills the whole ArrayBuffer before noticing the
		// data is short, so a larger length here takes JS seconds.)
		{"ext32-long", ev("92 a1 'x' c9 00 10 00 00 00 00"), expectReject, nil},
		{"readme", hexb("83 a4 74 79 70 65 02 a3 6e 73 70 a1 2f a4 64 61 74 61 92 a5 68 65 6c 6c 6f a3 79 6f 75"), expectOK, nil},
		{"undefined-any-byte", ev("92 a1 'x' d4 00 7f"), expectOK, nil},
		{"undefined-as-id", append(ev("91 a1 'x'")[:0:0], hexb("84 a4 'type' 02 a3 'nsp' a1 2f a2 'id' d4 00 00 a4 'data' 91 a1 'x'")...), expectOK, nil},
		{"fixext2-type0", ev("92 a1 'x' d5 00 01 02"), expectOK, nil},
		{"fixext1-type5", ev("92 a1 'x' d4 05 01"), expectOK, nil},
		{"fixext16-type-3", ev("92 a1 'x' d8 fd 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"), expectOK, nil},
		{"ext8-type7", ev("92 a1 'x' c7 02 07 01 02"), expectOK, nil},
		{"ext8-type-100", ev("92 a1 'x' c7 02 9c 01 02"), expectOK, nil},
		{"ext-as-data", ev("d5 05 01 02"), expectOK, nil},
		{"ext-as-data-array-name", ev("d4 07 01"), expectOK, nil},
		{"timestamp32", ev("92 a1 'x' d6 ff 65 53 f1 00"), expectOK, tsWant(1700000000000)},
		{"timestamp64", ev("92 a1 'x' d7 ff 00 00 00 04 65 53 f1 00"), expectOK, tsWant(1700000000000)},
		{"timestamp96", ev("92 a1 'x' c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff"), expectOK, tsWant(-1000)},
		{"timestamp-bad-len", ev("92 a1 'x' d5 ff 00 01"), expectOK, nil},
		{"timestamp64-bad-nsec", ev("92 a1 'x' d7 ff ff ff ff ff 00 00 00 00"), expectOK, nil},
		{"notepack3-undefined-as-nil", ev("92 a1 'x' 81 a1 'k' c0"), expectOK, nil},
		{"float64-type", hexb("82 a4 'type' cb 3f f0 00 00 00 00 00 00 a3 'nsp' a1 2f"), expectOK, nil},
		{"float32-type", hexb("82 a4 'type' ca 3f 80 00 00 a3 'nsp' a1 2f"), expectOK, nil},
		{"neg-zero-type", hexb("82 a4 'type' cb 80 00 00 00 00 00 00 00 a3 'nsp' a1 2f"), expectOK, nil},
		{"uint64-type", hexb("82 a4 'type' cf 00 00 00 00 00 00 00 01 a3 'nsp' a1 2f"), expectOK, nil},
		{"int8-neg-type", hexb("82 a4 'type' d0 ff a3 'nsp' a1 2f"), expectReject, nil},
		{"float-id", hexb("84 a4 'type' 03 a3 'nsp' a1 2f a2 'id' cb 40 08 00 00 00 00 00 00 a4 'data' 90"), expectOK, nil},
		{"duplicate-type", hexb("83 a4 'type' 02 a3 'nsp' a1 2f a4 'type' 01"), expectOK, nil},
		{"duplicate-data", hexb("84 a4 'type' 02 a3 'nsp' a1 2f a4 'data' 91 a1 'a' a4 'data' 92 a1 'b' 01"), expectOK, nil},
		{"duplicate-data-undef", hexb("84 a4 'type' 01 a3 'nsp' a1 2f a4 'data' 91 a1 'a' a4 'data' d4 00 00"), expectOK, nil},
		{"unknown-keys", hexb("85 a4 'type' 01 a3 'nsp' a1 2f a1 'x' 91 c0 a7 'options' 81 a8 'compress' c3 a0 c0"), expectOK, nil},
		{"map16-packet", hexb("de 00 02 a4 'type' 01 a3 'nsp' a1 2f"), expectOK, nil},
		{"str8-keys", hexb("82 d9 04 'type' 01 d9 03 'nsp' d9 01 2f"), expectOK, nil},
		{"uint-keys-in-args", ev("92 a1 'x' 82 01 a1 'a' ff a1 'b'"), expectOK, nil},
		{"depth-max", ok100, expectOK, nil},
		{"deep", deep, expectStrict, nil},
		{"int-key", hexb("83 a4 'type' 01 a3 'nsp' a1 2f 01 02"), expectStrict, nil},
		{"nil-key", hexb("83 a4 'type' 01 a3 'nsp' a1 2f c0 02"), expectStrict, nil},
		{"bin-key-type", hexb("83 c4 04 'type' 02 a3 'nsp' a1 2f a4 'type' 01"), expectStrict, nil},
		{"nsp-invalid-utf8", hexb("82 a4 'type' 01 a3 'nsp' a2 2f ff"), expectStrict, nil},
		{"name-invalid-utf8", ev("91 a2 61 ff"), expectStrict, nil},
		{"arg-invalid-utf8", ev("92 a1 'x' a4 e2 82 41 ff"), expectOK, nil},
		{"id-2^64", hexb("84 a4 'type' 03 a3 'nsp' a1 2f a2 'id' cf ff ff ff ff ff ff ff ff a4 'data' 90"), expectStrict, nil},
		{"id-float-huge", hexb("84 a4 'type' 03 a3 'nsp' a1 2f a2 'id' cb 7f ef ff ff ff ff ff ff a4 'data' 90"), expectStrict, nil},
		{"id-int64-max", hexb("84 a4 'type' 03 a3 'nsp' a1 2f a2 'id' d3 7f ff ff ff ff ff ff ff a4 'data' 90"), expectOK, nil},
		{"name-uint64", ev("92 cf 00 20 00 00 00 00 00 01 c3"), expectOK, nil},
		{"name-nan", ev("91 cb 7f f8 00 00 00 00 00 00"), expectOK, nil},
		{"name-float32", ev("91 ca 3f c0 00 00"), expectOK, nil},
	}
}

// tsWant is an event ["x", Date(ms)] on "/": what Go decodes a msgpack
// timestamp (ext −1, notepack 3's Date) to, where notepack 2.2 sees
// [-1, Buffer].
func tsWant(ms float64) any {
	return map[string]any{"type": 2, "nsp": "/", "data": []any{"x", map[string]any{"$date": ms}}}
}

// goCase is a packet built with the Go API.
type goBuilt struct {
	name      string
	p         *socketio.Packet
	canonical bool
}

type chatMessage struct {
	Room string    `json:"room"`
	User string    `json:"user"`
	Text string    `json:"text"`
	TS   int64     `json:"ts"`
	Skip string    `json:"-"`
	Opt  string    `json:"opt,omitempty"`
	Data []byte    `json:"data"`
	At   time.Time `json:"at"`
	MP   int       `msgpack:"mp" json:"jsonName"`
}

func goCases(t *testing.T) []goBuilt {
	var out []goBuilt
	ev := func(name string, canonical bool, id int64, nsp string, args ...any) {
		p := &socketio.Packet{Type: socketio.Event, Namespace: nsp, ID: id, Event: "e"}
		for _, a := range args {
			if err := (Codec{}).AppendArg(p, a); err != nil {
				t.Fatalf("%s: AppendArg(%#v): %v", name, a, err)
			}
		}
		out = append(out, goBuilt{name, p, canonical})
	}
	values := []struct {
		name      string
		v         any
		canonical bool
	}{
		{"string", "hello", true},
		{"unicode", "ü日本😀", true},
		{"empty", "", true},
		{"int", 42, true},
		{"int8", int8(-5), true},
		{"int16", int16(-300), true},
		{"int32", int32(-70000), true},
		{"int64", int64(-1 << 40), true},
		{"int64-min", int64(math.MinInt64), true},
		{"uint8", uint8(200), true},
		{"uint16", uint16(60000), true},
		{"uint32", uint32(1 << 31), true},
		{"uint64", uint64(1 << 40), true},
		{"uint64-max", uint64(math.MaxUint64), false},
		{"int64-2^53+1", int64(1<<53 + 1), false},
		{"float64", 1.5, true},
		{"float64-whole", 2.0, true},
		{"float64-neg-zero", math.Copysign(0, -1), true},
		{"float64-inf", math.Inf(-1), true},
		{"float64-nan", math.NaN(), false},
		{"float64-big", 1e300, false}, // notepack writes whole numbers >= 2^64 as a wrapped uint64,
		{"float32", float32(1.5), false},
		{"float32-whole", float32(2), true},
		{"true", true, true},
		{"nil", nil, true},
		{"bytes", []byte{1, 2, 3}, true},
		{"bytes-empty", []byte{}, true},
		{"bytes-70000", seq(70000), true},
		{"ints", []int{1, 2, 3}, true},
		{"any-slice", []any{1, "a", nil, []byte{9}}, true},
		{"map", map[string]any{"b": 1, "a": "x"}, true},
		{"map-int-like-keys", map[string]int{"10": 1, "9": 2}, false},
		{"struct", chatMessage{Room: "general", User: "alice", Text: "hi", TS: 1700000000000, Skip: "no", Data: []byte{1}, At: time.UnixMilli(1700000000123).UTC(), MP: 7}, true},
		{"struct-ptr", &chatMessage{Opt: "yes", At: time.UnixMilli(-1).UTC()}, true},
		{"time", time.UnixMilli(1700000000123), true},
		{"time-ns", time.Unix(1700000000, 123456789), true},
		{"time-pre-epoch", time.UnixMilli(-62135596800000), true},
		{"raw", socketio.Raw{0x93, 1, 2, 3}, true},
		{"raw-notepack", socketio.Raw{0xc7, 2, 0, 5, 6}, true},
		{"deep", deepSlice(60), true},
		{"big-string", strings.Repeat("é", 50000), true},
	}
	for _, v := range values {
		ev("arg/"+v.name, v.canonical, socketio.NoID, "/", v.v)
	}
	ev("no-args", true, socketio.NoID, "/")
	ev("id", true, 12, "/admin", "x")
	ev("id-big", true, 1<<40, "/ü", "x")
	ev("multi", true, socketio.NoID, "/", "a", 1, []byte{2}, map[string]int{"k": 3})

	ack := &socketio.Packet{Type: socketio.Ack, Namespace: "/", ID: 3}
	_ = (Codec{}).AppendArg(ack, "ok")
	out = append(out, goBuilt{"ack", ack, true})
	out = append(out, goBuilt{"ack-empty", &socketio.Packet{Type: socketio.Ack, Namespace: "/x", ID: 0}, true})

	conn := &socketio.Packet{Type: socketio.Connect, Namespace: "/", ID: socketio.NoID}
	_ = (Codec{}).SetData(conn, map[string]string{"sid": "abc", "pid": "def"})
	out = append(out, goBuilt{"connect-reply", conn, true})
	out = append(out, goBuilt{"connect-bare", &socketio.Packet{Type: socketio.Connect, Namespace: "/admin", ID: socketio.NoID}, true})
	out = append(out, goBuilt{"disconnect", &socketio.Packet{Type: socketio.Disconnect, Namespace: "/admin", ID: socketio.NoID}, true})
	cerr := &socketio.Packet{Type: socketio.ConnectError, Namespace: "/", ID: socketio.NoID}
	_ = (Codec{}).SetData(cerr, struct {
		Message string         `json:"message"`
		Data    map[string]int `json:"data,omitempty"`
	}{"nope", map[string]int{"code": 42}})
	out = append(out, goBuilt{"connect-error-map", cerr, true})
	cerr2 := &socketio.Packet{Type: socketio.ConnectError, Namespace: "/", ID: socketio.NoID}
	_ = (Codec{}).SetData(cerr2, "not authorized")
	out = append(out, goBuilt{"connect-error-str", cerr2, true})
	return out
}

func deepSlice(n int) any {
	var v any = "leaf"
	for i := 0; i < n; i++ {
		v = []any{v}
	}
	return v
}
