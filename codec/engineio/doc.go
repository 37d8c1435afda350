// Package engineio encodes and decodes Engine.IO protocol v4 packets and
// HTTP long-polling payloads.
//
// The package does no I/O. Text packets are a type digit followed by their
// data ("4hello", "2", "3probe"). A binary packet is always a message and has
// no type digit: over WebSocket it is one binary frame holding the raw bytes,
// and in a polling payload it is "b" followed by standard, padded base64.
// Packets in a polling payload are joined by the record separator 0x1E.
//
// Decoded packets alias the input buffer where they can (text data is never
// copied), so a caller that keeps a packet beyond the life of the buffer must
// copy its Data.
package engineio
