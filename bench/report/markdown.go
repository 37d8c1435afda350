// Package report renders a benchmark summary: a markdown table for
// BENCHMARKS.md and a PNG bar chart of the sio/Node ratios.
package report

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/siogen/sio/bench/runner"
)

// Markers delimit the generated part of BENCHMARKS.md.
const (
	BeginMarker = "<!-- bench:results:begin -->"
	EndMarker   = "<!-- bench:results:end -->"
)

// Markdown renders the summary as a markdown section: the machine and load,
// one table row per scenario and parser, and the list of scenarios where
// sio is behind Node or below its goal. label is shown first when set.
func Markdown(sum *runner.Summary, label string) string {
	var b strings.Builder
	m := sum.Machine
	if label != "" {
		fmt.Fprintf(&b, "> %s\n\n", label)
	}
	pin := "server pinned to CPU 0, load generator to CPU 1"
	if !m.Pinned {
		pin = "not pinned"
	}
	fmt.Fprintf(&b, "Measured %s on %d × %s (%s); %d repetition(s), servers alternating; run took %.0f s.\n",
		m.Started.UTC().Format("2006-01-02 15:04 UTC"), m.CPUs, orUnknown(m.CPUModel), pin, m.Repetitions, m.WallSeconds)
	fmt.Fprintf(&b, "Load average (1/5/15 min) before: %s; after: %s. %s\n\n", trimLoad(m.LoadBefore), trimLoad(m.LoadAfter), quietness(m.LoadBefore))
	b.WriteString("| Scenario | Parser | Metric | sio median (min–max) | Node median (min–max) | sio/Node | sio advantage (goal) | p50 / p99 ms sio | p50 / p99 ms Node | server CPU µs/op sio / Node (sio advantage) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	var behind, short, notes []string
	for _, r := range sum.Rows {
		sc := r.Scenario
		adv := "–"
		if r.Advantage > 0 {
			adv = fmt.Sprintf("%.2f× (%g×)", r.Advantage, sc.Goal)
			switch {
			case r.Advantage < 1:
				adv = "**" + adv + " behind**"
				behind = append(behind, fmt.Sprintf("%s %s (%.2f× of Node)", sc.Name, r.Parser, r.Advantage))
			case r.Advantage < sc.Goal:
				short = append(short, fmt.Sprintf("%s %s (%.2f×, goal %g×)", sc.Name, r.Parser, r.Advantage, sc.Goal))
			}
		}
		ratio := "–"
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		lat := func(a runner.Agg) string {
			if a.N == 0 || sc.Kind == "idle" {
				return "–"
			}
			return fmt.Sprintf("%.2f / %.2f", a.P50Ms, a.P99Ms)
		}
		cpu := "–"
		if r.Go.N > 0 || r.Node.N > 0 {
			cpu = fmt.Sprintf("%.1f / %.1f", r.Go.CPUPerOp, r.Node.CPUPerOp)
			if r.CPUAdvantage > 0 {
				cpu += fmt.Sprintf(" (%.2f×)", r.CPUAdvantage)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			sc.Name, r.Parser, sc.Metric, cell(r.Go, sc), cell(r.Node, sc), ratio, adv, lat(r.Go), lat(r.Node), cpu)
		for _, side := range []struct {
			name string
			a    runner.Agg
		}{{"sio", r.Go}, {"Node", r.Node}} {
			for _, n := range side.a.Notes {
				notes = append(notes, fmt.Sprintf("%s %s, %s: %s", sc.Name, r.Parser, side.name, n))
			}
		}
	}
	b.WriteString("\nsio advantage = sio/Node for throughput, Node/sio for memory: above 1 means sio is better. ")
	b.WriteString("CPU µs/op is the server's user+system time (from /proc/<pid>/stat) divided by the operations of the window (idle: per connection set up); ")
	b.WriteString("its advantage column (Node/sio) depends far less on other load on the machine than the throughput figures do.\n")
	if len(behind) > 0 {
		fmt.Fprintf(&b, "\n**Where sio is behind Node:** %s.\n", strings.Join(behind, "; "))
	} else if len(sum.Rows) > 0 {
		b.WriteString("\nsio is not behind Node in any scenario of this run.\n")
	}
	if len(short) > 0 {
		fmt.Fprintf(&b, "\n**Ahead of Node but short of the goal:** %s.\n", strings.Join(short, "; "))
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes from the runs:\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func cell(a runner.Agg, sc runner.Scenario) string {
	if a.N == 0 {
		if a.Errors > 0 {
			return fmt.Sprintf("error (%d runs)", a.Errors)
		}
		return "–"
	}
	f := func(v float64) string {
		if sc.Kind == "idle" {
			return fmt.Sprintf("%.1f", v)
		}
		return fmt.Sprintf("%.0f", v)
	}
	s := fmt.Sprintf("%s (%s–%s)", f(a.Median), f(a.Min), f(a.Max))
	if a.Errors > 0 {
		s += fmt.Sprintf(" +%d failed", a.Errors)
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	return s
}

func trimLoad(s string) string {
	f := strings.Fields(s)
	if len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return s
}

// quietness says whether the machine was quiet enough for the numbers to
// mean much: with 2 cores, anything else running steals from the pinned
// server or load generator. It judges by the 1-minute load before the run
// (the load at the end includes the benchmark's own two busy processes).
func quietness(loads ...string) string {
	one := -1.0
	for _, l := range loads {
		var v float64
		if _, err := fmt.Sscanf(l, "%g", &v); err == nil {
			one = max(one, v)
		}
	}
	switch {
	case one < 0:
		return ""
	case one >= 1.5:
		return fmt.Sprintf("**The machine was busy (1-minute load %.1f ≥ 1.5 before the run): other work shared the cores, so these figures are noisy and only indicative.**", one)
	}
	return "The machine was quiet (1-minute load below 1.5 before the run; the load after it includes the benchmark itself)."
}

// UpdateFile replaces the part of path between BeginMarker and EndMarker
// with section, or appends the markers and section when they are missing.
func UpdateFile(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	block := BeginMarker + "\n" + section + EndMarker
	var out []byte
	i := bytes.Index(old, []byte(BeginMarker))
	j := bytes.Index(old, []byte(EndMarker))
	if i >= 0 && j > i {
		out = append(append(append([]byte{}, old[:i]...), block...), old[j+len(EndMarker):]...)
	} else {
		out = append(append(old, '\n'), block+"\n"...)
	}
	return os.WriteFile(path, out, 0o644)
}
