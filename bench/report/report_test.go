package report

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siogen/sio/bench/runner"
)

func sample() *runner.Summary {
	scs := runner.FullScenarios()
	var runs []runner.Run
	for i, sc := range scs {
		for rep := range 3 {
			g, n := float64(1000*(i+1)+rep), float64(800*(i+1))
			if sc.Name == "poll-50" {
				g = 500 // behind Node
			}
			runs = append(runs,
				runner.Run{Scenario: sc.Name, Kind: sc.Kind, Server: runner.Go, Parser: "json", Rep: rep, Value: g},
				runner.Run{Scenario: sc.Name, Kind: sc.Kind, Server: runner.Node, Parser: "json", Rep: rep, Value: n})
		}
	}
	runs = append(runs, runner.Run{Scenario: "ack-1", Kind: "ack", Server: runner.Node, Parser: "json", Rep: 9, Error: "boom"})
	return &runner.Summary{
		Machine: runner.Machine{CPUs: 2, CPUModel: "Test CPU", LoadBefore: "0.50 0.40 0.30 1/100 5", LoadAfter: "0.6 0.4 0.3", Pinned: true,
			Started: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), WallSeconds: 600, Repetitions: 3},
		Rows: runner.Aggregate(scs, []string{"json"}, runs),
		Runs: runs,
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown(sample(), "test label")
	for _, want := range []string{
		"> test label", "2 × Test CPU", "server pinned to CPU 0", "The machine was quiet",
		"| idle-10k | json | KB/conn |", "| poll-50 | json | round trips/s | 500 (500–500) |",
		"behind**", "**Where sio is behind Node:** idle-10k json (0.80× of Node); poll-50 json (0.09× of Node)", "ack-1 json, Node: boom",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// idle: lower is better, so the advantage is Node/Go.
	if !strings.Contains(md, "| idle-10k | json | KB/conn | 1001.0 (1000.0–1002.0) | 800.0 (800.0–800.0) | 1.25 | **0.80× (3×) behind** |") {
		t.Errorf("idle row wrong:\n%s", md)
	}
}

func TestUpdateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "B.md")
	if err := UpdateFile(path, "one\n"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, append([]byte("# Title\n\nintro\n"), must(os.ReadFile(path))...), 0o644)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\n## After\n")
	f.Close()
	if err := UpdateFile(path, "two\n"); err != nil {
		t.Fatal(err)
	}
	got := string(must(os.ReadFile(path)))
	want := "# Title\n\nintro\n\n" + BeginMarker + "\ntwo\n" + EndMarker + "\n\n## After\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestChart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.png")
	if err := WriteChart(path, sample()); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(must(os.ReadFile(path))))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 8*20 {
		t.Fatalf("chart is %v", b)
	}
}

func TestFontCoversLabels(t *testing.T) {
	for r := range glyphs {
		rows := strings.Split(glyphs[r], "|")
		if len(rows) != 7 {
			t.Errorf("glyph %q has %d rows", r, len(rows))
		}
		for _, row := range rows {
			if len(row) != 5 {
				t.Errorf("glyph %q row %q", r, row)
			}
		}
	}
	for _, sc := range runner.FullScenarios() {
		for _, r := range strings.ToUpper(sc.Name + " json msgpack 0.25x 1/8x >1 = (log scale; goal): green orange red") {
			if _, ok := glyphs[r]; !ok {
				t.Errorf("no glyph for %q", r)
			}
		}
	}
}
