// Package vulngate decides whether govulncheck's findings may ship: every
// vulnerability our code reaches fails the gate unless an entry of the
// accepted list (tools/vuln/accepted.json) names it, with a reason and a
// review date, and no fixed version exists. An accepted entry that no
// longer matches anything fails the gate too, so the list cannot rot.
//
// It reads govulncheck's -json output and nothing else: it runs no
// command and knows nothing of the repository's layout (e2e/vuln does).
package vulngate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Frame is one call in a finding's trace, as govulncheck reports it: the
// first frame is the vulnerable symbol, the last the caller in our code.
type Frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

// Finding is one govulncheck finding.
type Finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []Frame `json:"trace"`
}

// Reachable reports whether our code calls the vulnerable symbol; other
// findings only say that a vulnerable module or package is required or
// imported.
func (f Finding) Reachable() bool {
	return len(f.Trace) > 0 && f.Trace[0].Function != ""
}

// module is the vulnerable module of f.
func (f Finding) module() string {
	if len(f.Trace) == 0 {
		return ""
	}
	return f.Trace[0].Module
}

// path renders f's trace from our code to the vulnerable symbol.
func (f Finding) path() string {
	parts := make([]string, 0, len(f.Trace))
	for i := len(f.Trace) - 1; i >= 0; i-- {
		fr := f.Trace[i]
		name := fr.Function
		if fr.Receiver != "" {
			name = strings.TrimPrefix(fr.Receiver, "*") + "." + name
		}
		parts = append(parts, fr.Package+"."+name)
	}
	return strings.Join(parts, " -> ")
}

// Parse reads govulncheck's -json output: a stream of JSON objects, of which
// it keeps the findings.
func Parse(r io.Reader) ([]Finding, error) {
	dec := json.NewDecoder(r)
	var out []Finding
	for {
		var msg struct {
			Finding *Finding `json:"finding"`
		}
		err := dec.Decode(&msg)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("govulncheck output, message %d: %w", len(out)+1, err)
		}
		if msg.Finding != nil {
			out = append(out, *msg.Finding)
		}
	}
}

// Accepted is a vulnerability we ship knowingly.
type Accepted struct {
	ID     string `json:"id"`     // GO-YYYY-NNNN
	Module string `json:"module"` // the vulnerable module, as in the finding
	// Reason says why our use is not exposed, and what would change that.
	Reason string `json:"reason"`
	// ReviewBy is the day (YYYY-MM-DD) after which the acceptance lapses
	// and the gate fails until someone looks again.
	ReviewBy string `json:"review_by"`
}

// ReadAccepted reads the accepted list and checks every entry's form.
func ReadAccepted(file string) ([]Accepted, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Accepted []Accepted `json:"accepted"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i, a := range doc.Accepted {
		if !strings.HasPrefix(a.ID, "GO-") || a.Module == "" || strings.TrimSpace(a.Reason) == "" {
			return nil, fmt.Errorf("%s: entry %d (%q) needs an id GO-..., a module and a reason", file, i+1, a.ID)
		}
		if _, err := time.Parse(time.DateOnly, a.ReviewBy); err != nil {
			return nil, fmt.Errorf("%s: entry %d (%s): review_by %q is not a date YYYY-MM-DD", file, i+1, a.ID, a.ReviewBy)
		}
	}
	return doc.Accepted, nil
}

// Result is the gate's verdict on the findings of one or more scans.
type Result struct {
	// Accepted lists, one line each, the reachable vulnerabilities that an
	// entry accepts.
	Accepted []string
	// Problems are the reasons the gate fails; none means it passes.
	Problems []error
}

// Check judges the findings of every scanned module against the accepted
// list, as of today.
func Check(findings []Finding, accepted []Accepted, today time.Time) Result {
	type key struct{ id, module string }
	first := map[key]Finding{}
	var keys []key
	for _, f := range findings {
		k := key{f.OSV, f.module()}
		if _, seen := first[k]; f.Reachable() && !seen {
			first[k] = f
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(a.id+a.module, b.id+b.module) })

	var res Result
	used := map[key]bool{}
	for _, k := range keys {
		f := first[k]
		at := fmt.Sprintf("%s in %s@%s, reached by %s", k.id, k.module, f.Trace[0].Version, f.path())
		i := slices.IndexFunc(accepted, func(a Accepted) bool { return a.ID == k.id && a.Module == k.module })
		switch {
		case i < 0 && f.FixedVersion != "":
			res.Problems = append(res.Problems, fmt.Errorf("%s: fixed in %s; upgrade", at, f.FixedVersion))
		case i < 0:
			res.Problems = append(res.Problems, fmt.Errorf("%s: no fixed version; replace the dependency, stop calling it, or accept it in the accepted list with a reason", at))
		default:
			used[k] = true
			a := accepted[i]
			review, _ := time.Parse(time.DateOnly, a.ReviewBy)
			switch {
			case f.FixedVersion != "":
				res.Problems = append(res.Problems, fmt.Errorf("%s: accepted, but now fixed in %s; upgrade and remove the entry", at, f.FixedVersion))
			case today.After(review):
				res.Problems = append(res.Problems, fmt.Errorf("%s: the acceptance lapsed on %s; review it (%s)", at, a.ReviewBy, a.Reason))
			default:
				res.Accepted = append(res.Accepted, fmt.Sprintf("%s (%s), until %s: %s", k.id, k.module, a.ReviewBy, a.Reason))
			}
		}
	}
	for _, a := range accepted {
		if !used[key{a.ID, a.Module}] {
			res.Problems = append(res.Problems, fmt.Errorf("accepted %s (%s) is no longer reached; remove the entry", a.ID, a.Module))
		}
	}
	return res
}
