package config

import "os"

// APIMemoryLimitBytes is the soft memory limit the API sets on the Go
// runtime (debug.SetMemoryLimit), and false when it sets none: with
// DOLIGO_API_MEMORY_LIMIT=0, or when GOMEMLIMIT is set, which the runtime
// has applied already and which wins.
//
// Why: a PDF render allocates about a megabyte of compressor state per page
// it writes, garbage at once; with the default pacing (GOGC=100) the heap
// grows to twice what is live before the collector runs, so four parallel
// renders of the largest document took the API to 770 MB. Near the limit the
// collector runs earlier instead (docs/benchmarks.md, "PDF rendering memory").
func (c Config) APIMemoryLimitBytes() (int64, bool) {
	if c.APIMemoryLimit == "0" || os.Getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	n, err := ParseByteSize(c.APIMemoryLimit)
	return n, err == nil && n > 0
}
