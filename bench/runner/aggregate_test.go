package runner

import "testing"

func TestAggregateRatios(t *testing.T) {
	idle := Scenario{Name: "idle", Kind: "idle", LowerIsBetter: true}
	acks := Scenario{Name: "acks", Kind: "acks"}
	run := func(sc Scenario, server string, v float64) Run {
		return Run{Scenario: sc.Name, Kind: sc.Kind, Parser: "json", Server: server, Value: v}
	}
	tests := []struct {
		name          string
		sc            Scenario
		goV, nodeV    []float64
		ratio, advant float64
	}{
		{"throughput", acks, []float64{300, 100, 200}, []float64{100, 50, 150}, 2, 2},
		{"memory", idle, []float64{5}, []float64{15}, 5.0 / 15, 3},
		{"memory below noise on node", idle, []float64{5}, []float64{-135}, 0, 0},
		{"memory below noise on go", idle, []float64{0}, []float64{12}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var runs []Run
			for _, v := range tt.goV {
				runs = append(runs, run(tt.sc, Go, v))
			}
			for _, v := range tt.nodeV {
				runs = append(runs, run(tt.sc, Node, v))
			}
			rows := Aggregate([]Scenario{tt.sc}, []string{"json"}, runs)
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			r := rows[0]
			if r.Go.N != len(tt.goV) || r.Node.N != len(tt.nodeV) {
				t.Fatalf("counts %d/%d", r.Go.N, r.Node.N)
			}
			if r.Ratio != tt.ratio || r.Advantage != tt.advant {
				t.Errorf("ratio %v advantage %v, want %v %v", r.Ratio, r.Advantage, tt.ratio, tt.advant)
			}
		})
	}
}
