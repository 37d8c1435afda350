// Command sio-gen generates typed Socket.IO code from a Go schema package:
// typed server handlers and emitters, a typed Go client, and TypeScript
// declarations for the official socket.io-client.
//
// Usage, typically from a //go:generate line in the schema package:
//
//	//go:generate go run github.com/siogen/sio/cmd/sio-gen -out ../generated/chat
//
// Flags:
//
//	-schema  the schema package (import path or directory; default ".")
//	-out     the directory for the generated Go package (required)
//	-pkg     the generated Go package name (default: the base name of -out)
//	-ts      the TypeScript declarations file (default: <out>/<schema>.d.ts; "-" for none)
//	-verify  write nothing; exit 1 when the files on disk differ from a fresh run
//
// Schema mistakes are printed as file:line:col: message, all at once, and
// sio-gen exits with status 1.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/siogen/sio"
	"github.com/siogen/sio/cmd/sio-gen/internal/gogen"
	"github.com/siogen/sio/cmd/sio-gen/internal/tsgen"
	"github.com/siogen/sio/schema/loader"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sio-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	schemaPkg := fs.String("schema", ".", "schema package: import path or directory")
	out := fs.String("out", "", "output directory for the generated Go package")
	pkg := fs.String("pkg", "", "generated Go package name (default: base name of -out)")
	ts := fs.String("ts", "", `TypeScript declarations file (default <out>/<schema>.d.ts; "-" for none)`)
	verify := fs.Bool("verify", false, "write nothing; fail when the generated files on disk are stale")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, "sio-gen", sio.Version)
		return 0
	}
	if *out == "" {
		fmt.Fprintln(stderr, "sio-gen: -out is required")
		fs.Usage()
		return 2
	}
	files, err := generate(*schemaPkg, *out, *pkg, *ts)
	if err != nil {
		var es loader.Errors
		if errors.As(err, &es) {
			for _, e := range es {
				fmt.Fprintln(stderr, e.Error())
			}
		} else {
			fmt.Fprintln(stderr, "sio-gen:", err)
		}
		return 1
	}
	if *verify {
		stale := 0
		for _, f := range files {
			have, err := os.ReadFile(f.path)
			if err != nil || !bytes.Equal(have, f.data) {
				fmt.Fprintf(stderr, "sio-gen: %s is stale: run go generate\n", f.path)
				stale++
			}
		}
		if stale > 0 {
			return 1
		}
		return 0
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			fmt.Fprintln(stderr, "sio-gen:", err)
			return 1
		}
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			fmt.Fprintln(stderr, "sio-gen:", err)
			return 1
		}
	}
	return 0
}

type file struct {
	path string
	data []byte
}

// generate loads the schema and renders every output file in memory.
func generate(schemaPkg, out, pkg, ts string) ([]file, error) {
	m, err := loader.Load(loader.Config{}, schemaPkg)
	if err != nil {
		return nil, err
	}
	if pkg == "" {
		abs, err := filepath.Abs(out)
		if err != nil {
			return nil, err
		}
		pkg = filepath.Base(abs)
	}
	goFiles, err := gogen.Render(m, pkg)
	if err != nil {
		return nil, err
	}
	var files []file
	for _, f := range goFiles {
		files = append(files, file{filepath.Join(out, f.Name), f.Data})
	}
	if ts != "-" {
		if ts == "" {
			ts = filepath.Join(out, m.PkgName+".d.ts")
		}
		tsSrc, err := tsgen.Render(m)
		if err != nil {
			return nil, err
		}
		files = append(files, file{ts, tsSrc})
	}
	return files, nil
}
