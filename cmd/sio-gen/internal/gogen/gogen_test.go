package gogen

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siogen/sio/schema/loader"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenCases are schema packages (relative to this directory) and where
// their checked-in output lives.
var goldenCases = []struct{ name, schema string }{
	{"good", "../../../../schema/loader/testdata/good"},
	{"acks", "./testdata/schemas/acks"},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := loader.Load(loader.Config{}, tc.schema)
			if err != nil {
				t.Fatal(err)
			}
			files, err := Render(m, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", "golden", tc.name)
			if *update {
				os.RemoveAll(dir)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(files) {
				t.Fatalf("%s holds %d files, the generator writes %d (run go test -update after checking)", dir, len(entries), len(files))
			}
			for _, f := range files {
				want, err := os.ReadFile(filepath.Join(dir, f.Name))
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(f.Data, want) {
					t.Errorf("%s differs from its golden file (run go test -update after checking):\n%s", f.Name, f.Data)
				}
				if !bytes.HasPrefix(f.Data, []byte("// "+Header+"\n")) {
					t.Errorf("%s does not start with the generated-code header", f.Name)
				}
			}
			// The golden package must compile and vet clean.
			if out, err := exec.Command("go", "vet", "./"+dir).CombinedOutput(); err != nil {
				t.Fatalf("generated code does not vet: %v\n%s", err, out)
			}
		})
	}
}

// TestDeterministic renders twice and expects the same bytes.
func TestDeterministic(t *testing.T) {
	m, err := loader.Load(loader.Config{}, "./testdata/schemas/acks")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Render(m, "acks")
	b, _ := Render(m, "acks")
	for i := range a {
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Fatalf("%s differs between two runs", a[i].Name)
		}
	}
}

// TestMisuseFailsToCompile checks that wrong uses of generated code are
// compile errors: each testdata/misuse/<case> is a main package written
// against the golden "good" package with one mistake.
func TestMisuseFailsToCompile(t *testing.T) {
	cases := map[string]string{
		"wrong_arg_type":  "cannot use 42",
		"unknown_event":   "EmitShout undefined",
		"wrong_ack_type":  "cannot use",
		"wrong_handler":   "does not implement",
		"wrong_listener":  "cannot use",
		"missing_ack_ctx": "not enough arguments",
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command("go", "build", "-o", os.DevNull, "./testdata/misuse/"+name).CombinedOutput()
			if err == nil {
				t.Fatalf("misuse %s compiled", name)
			}
			if !strings.Contains(string(out), want) {
				t.Fatalf("misuse %s failed for another reason than %q:\n%s", name, want, out)
			}
		})
	}
	// And the correct use next to them compiles.
	if out, err := exec.Command("go", "build", "-o", os.DevNull, "./testdata/misuse/correct").CombinedOutput(); err != nil {
		t.Fatalf("the correct use does not compile: %v\n%s", err, out)
	}
}
