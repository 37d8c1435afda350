// Package sio holds what the whole framework shares: its version and the
// compatibility marks that generated code checks at compile time.
package sio

// Version is the sio release this module is.
const Version = "0.1.0-dev"

// GeneratedCodeVersion1 is referenced by code that sio-gen generates
// (`const _ = sio.GeneratedCodeVersion1`). A runtime that can no longer run
// that generation of generated code removes the constant, so a mismatch
// fails to compile instead of misbehaving at run time.
const GeneratedCodeVersion1 = true
