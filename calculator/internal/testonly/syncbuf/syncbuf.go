// Package syncbuf is a buffer for tests that read what another goroutine
// writes, such as a terminal's screen drawn while a line is edited.
//
// It is a test helper shared by the tests of several packages, which is
// why it cannot live in a _test.go file. It must not be imported by
// anything but _test.go files, so that the program never links it
// (.golangci.yml's depguard rule test-helpers-in-tests-only holds that for
// everything under internal/testonly), and it must not import package
// testing itself: WaitFor takes the two methods of testing.TB it uses.
package syncbuf

import (
	"bytes"
	"strings"
	"sync"
	"time"
)

// Buffer is a bytes.Buffer safe for concurrent use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written since the last Reset.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Reset empties the buffer.
func (b *Buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

// TB is the part of testing.TB that WaitFor uses; a test passes its
// *testing.T.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// WaitFor waits until b holds want, for at most 5 s, and fails the test
// if it never does.
func (b *Buffer) WaitFor(tb TB, want string) {
	tb.Helper()
	for i := 0; !strings.Contains(b.String(), want); i++ {
		if i == 500 {
			tb.Fatalf("output %q\nhas no %q", b.String(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
