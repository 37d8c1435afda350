package runner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siogen/sio/internal/nodetest"
)

// TestSmoke runs the tiny scenarios against both servers with both parsers
// and checks that every run produced sane numbers and that the JSON files
// are well formed. It asserts nothing about speed.
func TestSmoke(t *testing.T) {
	interop := nodetest.Dir(t)
	root := filepath.Dir(interop)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin, err := BuildGoServer(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cfg := Config{
		Paths:     Paths{Root: root, GoServer: bin},
		Scenarios: QuickScenarios(),
		Timing:    QuickTiming(),
		Parsers:   []string{"json", "msgpack"},
		Servers:   []string{Go, Node},
		Reps:      1,
		ServerCPU: -1,
		OutDir:    out,
	}
	sum, err := Execute(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(cfg.Scenarios) * 2 * 2; len(sum.Runs) != want {
		t.Fatalf("%d runs, want %d", len(sum.Runs), want)
	}
	for _, r := range sum.Runs {
		name := r.Scenario + "/" + r.Parser + "/" + r.Server
		if r.Error != "" {
			t.Errorf("%s: %s", name, r.Error)
			continue
		}
		res := r.Result
		switch r.Kind {
		case "idle":
			if res.Conns != 20 || res.BaselineRSS <= 0 || res.RSS <= 0 {
				t.Errorf("%s: idle result %+v", name, res)
			}
		default:
			if res.Ops <= 0 || r.Value <= 0 || res.Seconds <= 0 {
				t.Errorf("%s: no operations: %+v", name, res)
			}
			if res.P50Ms <= 0 || res.P99Ms < res.P50Ms {
				t.Errorf("%s: latencies p50 %v p99 %v", name, res.P50Ms, res.P99Ms)
			}
		}
		if r.Kind == "bcast" && (len(res.Steps) == 0 || res.Steps[0].Deliveries%int64(res.Conns) != 0) {
			t.Errorf("%s: broadcast steps %+v (deliveries must be whole broadcasts)", name, res.Steps)
		}
		var back Run
		readJSON(t, filepath.Join(out, "run-0-"+r.Scenario+"-"+r.Parser+"-"+r.Server+".json"), &back)
		if back.Scenario != r.Scenario || back.Value != r.Value {
			t.Errorf("%s: run file holds %+v", name, back)
		}
	}
	var s Summary
	readJSON(t, filepath.Join(out, "summary.json"), &s)
	if len(s.Rows) != len(cfg.Scenarios)*2 || len(s.Runs) != len(sum.Runs) {
		t.Fatalf("summary.json: %d rows, %d runs", len(s.Rows), len(s.Runs))
	}
	for _, row := range s.Rows {
		if row.Go.N != 1 || row.Node.N != 1 {
			t.Errorf("row %s %s: %+v", row.Scenario.Name, row.Parser, row)
			continue
		}
		// 20 idle connections can cost less than the RSS noise of a server,
		// so an idle row may have no ratio, but then a note must say why.
		belowNoise := row.Scenario.Kind == "idle" && (row.Go.Median <= 0 || row.Node.Median <= 0)
		switch {
		case belowNoise && row.Ratio != 0:
			t.Errorf("row %s %s: ratio %v from a non-positive median", row.Scenario.Name, row.Parser, row.Ratio)
		case belowNoise && len(row.Go.Notes)+len(row.Node.Notes) == 0:
			t.Errorf("row %s %s: below-noise idle run without a note: %+v", row.Scenario.Name, row.Parser, row)
		case !belowNoise && (row.Ratio <= 0 || row.Advantage <= 0):
			t.Errorf("row %s %s: %+v", row.Scenario.Name, row.Parser, row)
		}
	}
	if s.Machine.CPUs < 1 || s.Machine.LoadBefore == "" {
		t.Errorf("machine %+v", s.Machine)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
