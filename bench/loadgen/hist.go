package loadgen

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Hist is a latency histogram with about 1.5% resolution (64 linear
// sub-buckets per power of two of nanoseconds), safe for concurrent
// recording without locks. Its zero value is ready to use.
type Hist struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
}

const (
	histSubBits = 6
	histSub     = 1 << histSubBits
	histBuckets = (64 - histSubBits + 1) * histSub
)

func histBucket(v int64) int {
	if v < histSub {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - histSubBits - 1
	return (e+1)<<histSubBits + int(v>>e) - histSub
}

// histValue is the middle of bucket i, in nanoseconds.
func histValue(i int) int64 {
	if i < histSub {
		return int64(i)
	}
	e := i>>histSubBits - 1
	low := int64(i&(histSub-1)+histSub) << e
	return low + (int64(1)<<e)/2
}

// Record adds one latency.
func (h *Hist) Record(d time.Duration) {
	h.counts[histBucket(int64(d))].Add(1)
	h.n.Add(1)
}

// Count returns the number of recorded latencies.
func (h *Hist) Count() uint64 { return h.n.Load() }

// Quantile returns the latency below which a fraction q of the recorded
// ones fall (0 when nothing was recorded).
func (h *Hist) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(histValue(i))
		}
	}
	return time.Duration(histValue(histBuckets - 1))
}

// Reset forgets everything recorded.
func (h *Hist) Reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
	h.n.Store(0)
}
