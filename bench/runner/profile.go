package runner

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"time"
)

// takeProfiles saves the Go server's profiles for one measurement: heap
// and goroutines at once for the idle scenario (the clients are connected),
// otherwise a CPU profile over the measurement, fetched in the background.
// It returns a function that waits for the background fetch.
func takeProfiles(base, prefix string, sc Scenario, tm Timing, logf func(string, ...any)) func() {
	save := func(path, file string) {
		if err := fetchTo(base+path, file); err != nil {
			logf("  profile %s: %v", file, err)
		} else {
			logf("  profile saved: %s", file)
		}
	}
	if sc.Kind == "idle" {
		save("/debug/pprof/heap?gc=1", prefix+"-heap.pb.gz")
		save("/debug/pprof/goroutine", prefix+"-goroutine.pb.gz")
		return func() {}
	}
	d := tm.Measure
	if sc.Kind == "bcast" {
		d = tm.Step * time.Duration(1+math.Log2(float64(max(tm.MaxWindow, 1))))
	}
	secs := max(1, int(d.Round(time.Second)/time.Second))
	done := make(chan struct{})
	go func() {
		defer close(done)
		save(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), prefix+"-cpu.pb.gz")
	}()
	return func() { <-done }
}

func fetchTo(url, file string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
