package pipeline

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Workflow is the part of a GitHub Actions workflow that the checks read.
type Workflow struct {
	Jobs map[string]Job `json:"jobs"`
}

// Job is one job of a workflow.
type Job struct {
	TimeoutMinutes int    `json:"timeout-minutes"` //nolint:tagliatelle // GitHub's key
	Steps          []Step `json:"steps"`
}

// Step is one step of a job: an action (Uses) or a shell script (Run).
type Step struct {
	Name string `json:"name"`
	Uses string `json:"uses"`
	Run  string `json:"run"`
}

// ParseWorkflow reads a workflow file.
func ParseWorkflow(src []byte) (*Workflow, error) {
	var w Workflow
	if err := yaml.Unmarshal(src, &w); err != nil {
		return nil, err
	}
	if len(w.Jobs) == 0 {
		return nil, fmt.Errorf("no jobs")
	}
	return &w, nil
}

// Local is the local pipeline, as the checks see it.
type Local struct {
	// Make is the Makefile; Entry the target .ci/run runs without
	// arguments (make test), whose closure is everything CI runs.
	Make  *Makefile
	Entry string
	// Always are the targets whose work .ci/run does before make whatever
	// it is given (deps: scripts/machine/test-deps.sh).
	Always []string
	// Scripts are the commands besides .ci/run that the local pipeline
	// runs too: a script with its subcommand ("scripts/x.sh check"), or a
	// script alone when it has none. The caller has checked where.
	Scripts []string
}

var (
	ciRun = regexp.MustCompile(`^bash \.ci/run((?:\s+[a-z0-9][a-z0-9-]*)*)$`)
	// glue only hands a value to later steps.
	glue = regexp.MustCompile(`^echo "[A-Za-z_][A-Za-z0-9_]*=[^"$]*(?:\$\{?[A-Za-z_][A-Za-z0-9_,]*\}?[^"$]*)*" >>"\$(?:GITHUB_ENV|GITHUB_OUTPUT)"$`)
	// script is a script of the repository, its output maybe handed on.
	script   = regexp.MustCompile(`^(scripts/[A-Za-z0-9_.-]+\.sh)((?:\s+[a-z][a-z0-9-]*)?)(?:\s+[^>|;&]*)?(?:\s*>>"\$(?:GITHUB_ENV|GITHUB_OUTPUT)")?$`)
	shellish = regexp.MustCompile(`[;&|` + "`" + `]|\$\(`)
)

// CheckJob checks one job: every line of every run step must be .ci/run
// with targets the entry target runs, a script the local pipeline runs, or
// glue that only hands a value to later steps; the job's time limit must be
// at least the test time of what it runs (Makefile.Budget). It returns the
// make targets the job runs.
func (l *Local) CheckJob(name string, job Job) ([]string, []error) {
	var targets []string
	var errs []error
	entry, err := l.Make.Closure(l.Entry)
	if err != nil {
		return nil, []error{err}
	}
	for i, step := range job.Steps {
		where := fmt.Sprintf("job %s, step %d (%s)", name, i+1, stepName(step))
		for _, line := range strings.Split(step.Run, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if m := ciRun.FindStringSubmatch(line); m != nil {
				ts := strings.Fields(m[1])
				if len(ts) == 0 {
					ts = []string{l.Entry}
				}
				for _, t := range ts {
					if !slices.Contains(entry, t) {
						errs = append(errs, fmt.Errorf("%s: make target %q is not run by make %s, so CI here never runs it", where, t, l.Entry))
						continue
					}
					targets = append(targets, t)
				}
				continue
			}
			if glue.MatchString(line) {
				continue
			}
			if m := script.FindStringSubmatch(line); m != nil && !shellish.MatchString(line) {
				cmd := strings.TrimSpace(m[1] + m[2])
				if slices.Contains(l.Scripts, cmd) || slices.Contains(l.Scripts, m[1]) {
					continue
				}
				errs = append(errs, fmt.Errorf("%s: %q is not a command the local pipeline runs (known: %q)", where, cmd, l.Scripts))
				continue
			}
			errs = append(errs, fmt.Errorf("%s: %q: a workflow step runs `bash .ci/run TARGET...`, a script the local pipeline runs, or `echo \"NAME=value\" >>\"$GITHUB_ENV\"`; nothing else", where, line))
		}
	}
	if len(targets) > 0 {
		budget, err := l.Make.Budget(targets...)
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", name, err))
		} else if time.Duration(job.TimeoutMinutes)*time.Minute < budget {
			errs = append(errs, fmt.Errorf("job %s: timeout-minutes %d is below the %s minutes its tests allow themselves (make %s)", name, job.TimeoutMinutes, minutes(budget), strings.Join(targets, " ")))
		}
	}
	return targets, errs
}

// Uncovered returns the prerequisites of the entry target that no job
// runs: neither the target itself, nor a target its recipe runs through
// $(MAKE) (as vuln-offline runs vuln against another database), nor one of
// Always. A job that runs the entry target itself covers everything.
func (l *Local) Uncovered(jobTargets []string) []string {
	if slices.Contains(jobTargets, l.Entry) {
		return nil
	}
	var out []string
	for _, p := range l.Make.Targets[l.Entry].Prereqs {
		covered := slices.Contains(jobTargets, p) || slices.Contains(l.Always, p)
		for _, sub := range l.Make.SubMakes(p) {
			covered = covered || slices.Contains(jobTargets, sub)
		}
		if !covered {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func stepName(s Step) string {
	switch {
	case s.Name != "":
		return s.Name
	case s.Uses != "":
		return s.Uses
	}
	first, _, _ := strings.Cut(strings.TrimSpace(s.Run), "\n")
	return first
}
