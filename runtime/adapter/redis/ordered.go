package redisadapter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	vmsgpack "github.com/vmihailenco/msgpack/v5"

	"github.com/siogen/sio/codec/socketio"
)

// This file holds the ordered value tree the JSON↔msgpack conversions go
// through. Its values are nil, bool, float64 (every number, as JavaScript
// holds it), string, []byte, time.Time (from msgpack only), []any and
// object. An object keeps its keys in the order they came, as a JavaScript
// object does, so a JSON namespace and a Node peer see the same key order.

// member is one key/value pair of an object.
type member struct {
	key string
	val any
}

// object is a JSON object / msgpack map with its keys in their original
// order. A repeated key keeps the position of its first occurrence and the
// value of its last, as JSON.parse and notepack's decoder do.
type object []member

// objectBuilder collects the members of one object, resolving repeated
// keys; large objects get an index so that this stays linear.
type objectBuilder struct {
	obj   object
	index map[string]int
}

// indexFrom is the object size from which keys are looked up in a map.
const indexFrom = 16

func (b *objectBuilder) set(key string, val any) {
	if b.index != nil {
		if i, ok := b.index[key]; ok {
			b.obj[i].val = val
			return
		}
		b.index[key] = len(b.obj)
	} else {
		for i := range b.obj {
			if b.obj[i].key == key {
				b.obj[i].val = val
				return
			}
		}
		if len(b.obj) == indexFrom {
			b.index = make(map[string]int, 2*indexFrom)
			for i, m := range b.obj {
				b.index[m.key] = i
			}
			b.index[key] = len(b.obj)
		}
	}
	b.obj = append(b.obj, member{key, val})
}

// get returns the value of key.
func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// EncodeMsgpack writes o as a msgpack map in its order. Values go through
// enc, so they get the msgpack codec's settings (compact ints and floats).
func (o object) EncodeMsgpack(enc *vmsgpack.Encoder) error {
	if err := enc.EncodeMapLen(len(o)); err != nil {
		return err
	}
	for _, m := range o {
		if err := enc.EncodeString(m.key); err != nil {
			return err
		}
		if err := enc.Encode(m.val); err != nil {
			return err
		}
	}
	return nil
}

// MarshalJSONTo writes o as a JSON object in its order. Values go through
// json.MarshalEncode with enc's options, so the JSON codec's marshalers
// (a []byte becomes a placeholder and an attachment, JSON.stringify's
// forms of numbers) apply at every depth.
func (o object) MarshalJSONTo(enc *jsontext.Encoder) error {
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	for _, m := range o {
		if err := enc.WriteToken(jsontext.String(m.key)); err != nil {
			return err
		}
		if err := json.MarshalEncode(enc, m.val); err != nil {
			return err
		}
	}
	return enc.WriteToken(jsontext.EndObject)
}

// errBadPlaceholder reports a placeholder whose num names no attachment.
var errBadPlaceholder = errors.New("binary placeholder with an invalid num")

// jsonDecodeOptions reads JSON as the JSON codec's Unmarshal does.
var jsonDecodeOptions = jsontext.AllowDuplicateNames(true)

// fromJSON decodes one JSON value into an ordered tree. When attachments is
// not nil, a placeholder object ({"_placeholder":true,"num":N}) becomes
// attachments[N], as the JSON codec's Unmarshal into an interface does; a
// num out of range is an error. Without attachments placeholder-shaped
// objects stay objects.
func fromJSON(raw []byte, attachments [][]byte) (any, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), jsonDecodeOptions)
	v, err := readJSON(dec, attachments)
	if err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err == nil {
		return nil, errors.New("data after the JSON value")
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	return v, nil
}

func readJSON(dec *jsontext.Decoder, attachments [][]byte) (any, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 't', 'f':
		return tok.Bool(), nil
	case '"':
		return tok.String(), nil
	case '0':
		f, err := strconv.ParseFloat(tok.String(), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, err
		}
		return f, nil // ±Inf or 0 when out of range, as JSON.parse
	case '[':
		arr := []any{}
		for dec.PeekKind() != ']' {
			v, err := readJSON(dec, attachments)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		return arr, nil
	case '{':
		var b objectBuilder
		b.obj = object{}
		for dec.PeekKind() != '}' {
			kt, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			key := kt.String() // before the next read voids kt
			v, err := readJSON(dec, attachments)
			if err != nil {
				return nil, err
			}
			b.set(key, v)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		if attachments != nil {
			if ph, _ := b.obj.get("_placeholder"); ph == true {
				num, _ := b.obj.get("num")
				f, ok := num.(float64)
				if !ok || !(f >= 0 && f < float64(len(attachments))) || f != math.Trunc(f) {
					return nil, errBadPlaceholder
				}
				return attachments[int(f)], nil
			}
		}
		return b.obj, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// fromMsgpack decodes msgpack, normalized first (as the msgpack codec holds
// arguments) into an ordered tree with vmihailenco/msgpack's interface
// decoding: the same values the codec's Unmarshal into an `any` gives
// (bin as []byte, timestamps as time.Time), except that maps become
// objects in wire order and every number a float64.
func fromMsgpack(raw socketio.Raw) (v any, err error) {
	var norm socketio.Raw
	if err := mp.Unmarshal(nil, raw, &norm); err != nil {
		return nil, err
	}
	r := bytes.NewReader(norm)
	dec := vmsgpack.NewDecoder(r)
	dec.SetMapDecoder(decodeObject)
	defer func() {
		// Third-party reflection code: a panic must not take the
		// adapter's goroutine down.
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("msgpack decoder panic: %v", p)
		}
	}()
	v, err = dec.DecodeInterface()
	if err != nil {
		return nil, err
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%d bytes left after the msgpack value", r.Len())
	}
	return numbersToFloat(v), nil
}

// decodeObject is the map decoder of fromMsgpack.
func decodeObject(dec *vmsgpack.Decoder) (any, error) {
	n, err := dec.DecodeMapLen()
	if err != nil {
		return nil, err
	}
	if n == -1 {
		return nil, nil
	}
	b := objectBuilder{obj: make(object, 0, min(n, 64))}
	for range n {
		k, err := dec.DecodeInterface()
		if err != nil {
			return nil, err
		}
		key, err := mapKey(k)
		if err != nil {
			return nil, err
		}
		v, err := dec.DecodeInterface()
		if err != nil {
			return nil, err
		}
		b.set(key, numbersToFloat(v))
	}
	return b.obj, nil
}

// mapKey turns a msgpack map key into an object key as JavaScript's
// String(key) would for the scalars notepack can hold.
func mapKey(k any) (string, error) {
	switch k := k.(type) {
	case string:
		return k, nil
	case []byte:
		return string(k), nil
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(k), nil
	}
	if f, ok := toFloat(k); ok {
		b, err := json.Marshal(f) // Number::toString's digits for finite values
		if err != nil {
			return "", fmt.Errorf("map key %v: %w", f, err)
		}
		if string(b) == "-0" {
			return "0", nil
		}
		return string(b), nil
	}
	return "", fmt.Errorf("map key of type %T", k)
}

// toFloat returns a msgpack number as the float64 JavaScript holds.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// numbersToFloat converts a number, or the numbers in an array and its
// nested arrays, to float64 (objects convert their values as they are
// built).
func numbersToFloat(v any) any {
	if f, ok := toFloat(v); ok {
		return f
	}
	if arr, ok := v.([]any); ok {
		for i, e := range arr {
			arr[i] = numbersToFloat(e)
		}
	}
	return v
}

// jsTree rewrites what JSON cannot carry in an ordered tree the way
// JavaScript would: time.Time becomes its ISO string and, when buffers is
// set, []byte a Buffer's toJSON form.
func jsTree(v any, buffers bool) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z")
	case []byte:
		if !buffers {
			return x
		}
		data := make([]any, len(x))
		for i, b := range x {
			data[i] = float64(b)
		}
		return object{{"type", "Buffer"}, {"data", data}}
	case []any:
		for i, e := range x {
			x[i] = jsTree(e, buffers)
		}
	case object:
		for i := range x {
			x[i].val = jsTree(x[i].val, buffers)
		}
	case map[string]any: // from a codec other than JSON and msgpack
		for k, e := range x {
			x[k] = jsTree(e, buffers)
		}
	}
	return v
}
