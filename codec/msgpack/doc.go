// Package msgpack is the msgpack Socket.IO codec, byte-compatible with the
// npm socket.io-msgpack-parser 3.0.x (which encodes with notepack.io 2.2).
//
// Each Socket.IO packet travels as one msgpack map in one binary Engine.IO
// message: keys "type" (0..4), "nsp" (always), "data" (when present) and
// "id" (when the packet has an ack id). There are no attachments and no
// BINARY_EVENT/BINARY_ACK types: binary is inline msgpack bin.
//
// # Key order
//
// Encode writes the keys in the order the Node socket.io 4.8 server builds
// its packet objects, so that the bytes equal a Node server's for the same
// packet (verified against a live server in the tests): CONNECT, EVENT and
// CONNECT_ERROR type,data,[id],nsp; ACK id,type,data,nsp; DISCONNECT
// type,nsp. (Node's broadcast-with-ack writes type,data,nsp,id and its
// "Invalid namespace" CONNECT_ERROR type,nsp,data; the JS client writes
// events as type,data,options,[id],nsp and acks as type,id,data,nsp. The
// decoder accepts any order.)
//
// # Arguments stay raw
//
// A decoded packet holds each argument (and Connect/ConnectError Data) as
// raw msgpack, normalized so that vmihailenco/msgpack decodes it:
//
//   - notepack's undefined, fixext1 type 0 ("d4 00 00"), becomes nil;
//   - ext type 0 of any other length (a browser ArrayBuffer or typed array)
//     becomes bin;
//   - notepack 2.x Date, fixext8 type 0 holding int64 milliseconds, becomes
//     a msgpack timestamp (ext −1, smallest form), which decodes as
//     time.Time; notepack 3.x timestamps (ext −1) are kept as they are
//     (except a form whose first data byte reads as a map16/map32 header,
//     which becomes the 96-bit form: vmihailenco's map decoding looks
//     inside ext values and would trust that header's length);
//   - any other ext becomes the two-element array [type, bin], which is
//     what notepack 2.2 decodes it to.
//
// The walker that does this checks every length against the message and
// nests at most MaxDepth deep; a message that breaks either is an error.
//
// # Go values
//
// AppendArg, SetData and Unmarshal use vmihailenco/msgpack/v5 with compact
// integers and floats (a whole float64 is written as an integer, exactly as
// notepack writes a whole JavaScript number), sorted map keys for
// map[string]any, map[string]string and map[string]bool (other map types
// come in Go's iteration order), and struct
// tags `msgpack` with `json` as the fallback, so one struct type serves the
// JSON and the msgpack codec. []byte is bin (a Buffer in Node). time.Time is
// held as a msgpack timestamp and Encode sends it as notepack's Date form
// (JavaScript receives a Date; precision is milliseconds). Integers beyond
// ±2^53 lose precision in JavaScript, as they do in JSON.
//
// # Validation
//
// The decoder applies the npm parser's checkPacket rules: type an integer
// 0..4; nsp a string; CONNECT data absent or a map; DISCONNECT data absent;
// CONNECT_ERROR data a string or a map; EVENT and ACK data an array; id
// absent or an integer. Unknown keys (the JS client's "options") are
// ignored, undefined counts as absent, and the last of repeated keys wins.
// It is stricter than the npm parser where the Packet model or safety needs
// it: an EVENT needs a non-reserved string or a number as its first element
// (as socket.io-parser requires for JSON); the namespace must be non-empty
// valid UTF-8 and so must a string event name; the id must fit 0..2^63-1;
// top-level keys must be strings; nesting is limited to MaxDepth.
package msgpack
