package tsgen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/siogen/sio/schema/loader"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestGolden(t *testing.T) {
	for _, name := range []string{"good"} {
		t.Run(name, func(t *testing.T) {
			m := load(t, name)
			got, err := Render(m)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".d.ts")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("output differs from %s (run go test -update after checking):\n%s", golden, got)
			}
		})
	}
}

func load(t *testing.T, name string) *loader.Model {
	t.Helper()
	m, err := loader.Load(loader.Config{Dir: "../../../../schema/loader"}, "./testdata/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func loadGood(t *testing.T) *loader.Model { return load(t, "good") }
