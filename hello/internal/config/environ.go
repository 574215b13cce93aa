package config

import "strings"

// otherEnv are the HELLO_* variables read outside the settings tables:
// pprof.go's, in builds with -tags pprof.
var otherEnv = []string{envPrefix + "CPUPROFILE", envPrefix + "CPUPROFILE_SECONDS"}

// An UnknownVar is a HELLO_* environment variable that nothing reads,
// most likely a misspelt one, which would otherwise be ignored without a
// word.
type UnknownVar struct {
	Name string
	// Closest is the known variable it is most likely meant to be; empty
	// when none is close.
	Closest string
}

// UnknownEnv returns the variables of environ ("NAME=value" entries, as
// os.Environ gives them) whose names start with HELLO_, in any case, and
// that no command reads: in the order of environ, each once.
func UnknownEnv(environ []string) []UnknownVar {
	known := knownEnv()
	seen := map[string]bool{}
	var out []UnknownVar
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if len(name) < len(envPrefix) || !strings.EqualFold(name[:len(envPrefix)], envPrefix) ||
			known[name] || seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, UnknownVar{Name: name, Closest: closestEnv(name, known)})
	}
	return out
}

// knownEnv returns the set of variables read by any command.
func knownEnv() map[string]bool {
	known := map[string]bool{}
	for _, cmd := range []Command{Serve, Healthcheck} {
		for _, s := range settingsOf(cmd) {
			if s.Env != "" {
				known[s.Env] = true
			}
		}
	}
	for _, name := range otherEnv {
		known[name] = true
	}
	return known
}

// closestEnv returns the known variable nearest to name, ignoring case,
// if it is within a few edits: 2, or a third of the length of what
// follows HELLO_ in the known name. Ties go to the smaller name.
func closestEnv(name string, known map[string]bool) string {
	upper := strings.ToUpper(name)
	best, bestDist := "", 0
	for k := range known {
		d := editDistance(upper, k)
		if d > max(2, (len(k)-len(envPrefix))/3) {
			continue
		}
		if best == "" || d < bestDist || d == bestDist && k < best {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
