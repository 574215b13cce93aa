//go:build !e2etest

package server

import "testing"

// TestNoTestRoutesInReleaseBuilds checks that the routes of
// testroutes_e2e.go exist only in binaries built with -tags e2etest.
func TestNoTestRoutesInReleaseBuilds(t *testing.T) {
	srv := start(t, testConfig(), nil)
	for _, path := range []string{"/_test/panic", "/_test/slow?d=1s"} {
		if resp, _ := do(t, "GET", srv.url+path, nil); resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404 in a release build", path, resp.StatusCode)
		}
	}
}
