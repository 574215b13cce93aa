// Package swarmresult is the JSON of the swarm rolling-update test
// (TestSwarmRollingUpdate in e2e/deploy): the [Summary] its load client,
// e2e/deploy/swarmload, prints when it stops, and the [Result] the test
// writes to SWARM_RESULT, which the benchmark report (bench) reads. It is
// the one definition of both formats for the program that writes them and
// the tests and the report that read them, so that none of them can drift.
//
// It holds the formats only, no logic, and imports nothing but the standard
// library: the bench module imports it, and must get nothing else of e2e
// with it.
package swarmresult

import (
	"encoding/json"
	"time"
)

// Summary is what swarmload prints on standard output when it stops: the
// outcome of every request it sent.
type Summary struct {
	Sent      int            `json:"sent"`
	OK        int            `json:"ok"`
	Failed    int            `json:"failed"`
	Fallbacks int            `json:"fallbacks"`
	ByAddr    map[string]int `json:"by_addr"`
	Buckets   []Bucket       `json:"buckets"`
	// Failures and FallbackErrors keep the first 500 of each.
	Failures       []Event     `json:"failures"`
	FallbackErrors []Event     `json:"fallback_errors"`
	Resolutions    Resolutions `json:"resolutions"`
}

// Bucket counts the requests started in one time slot.
type Bucket struct {
	// Start is the slot's start, Unix nanoseconds.
	Start     int64 `json:"start"`
	Sent      int   `json:"sent"`
	OK        int   `json:"ok"`
	Failed    int   `json:"failed"`
	Fallbacks int   `json:"fallbacks"`
}

// Event is one failure or fallback.
type Event struct {
	// At is when its request started, Unix nanoseconds.
	At    int64  `json:"at"`
	Error string `json:"error"`
}

// Resolutions sums up the load client's resolutions of the service name,
// made in the background.
type Resolutions struct {
	Count  int `json:"count"`
	Errors int `json:"errors"`
	// Slow counts those that took a second or more.
	Slow int `json:"slow"`
	// SlowestMS is the longest one, in milliseconds.
	SlowestMS int64 `json:"slowest_ms"`
}

// Result is what the swarm test writes to SWARM_RESULT: the load client's
// counts, in total and by phase of the scenario.
type Result struct {
	Date      time.Time `json:"date"`
	Rate      int       `json:"rate_per_second"`
	Replicas  int       `json:"replicas"`
	Sent      int       `json:"sent"`
	OK        int       `json:"ok"`
	Failed    int       `json:"failed"`
	Fallbacks int       `json:"fallbacks"`
	// Addresses counts the task addresses that answered.
	Addresses   int         `json:"addresses"`
	Resolutions Resolutions `json:"resolutions"`
	Phases      []Phase     `json:"phases"`
}

// Phase is one step of the scenario, from its start to the next one's.
type Phase struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Counts of the requests started within the phase.
	Sent      int `json:"sent"`
	OK        int `json:"ok"`
	Failed    int `json:"failed"`
	Fallbacks int `json:"fallbacks"`
}

// Marshal returns the JSON that SWARM_RESULT receives: indented, ending in
// a newline.
func (r Result) Marshal() []byte {
	data, _ := json.MarshalIndent(r, "", "  ") // a struct of numbers, strings and times: no error
	return append(data, '\n')
}
