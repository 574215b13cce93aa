// Package syncbuf is a buffer for tests that read what another goroutine
// writes, such as a terminal's screen drawn while a line is edited. Only
// tests import it; the program does not link it.
package syncbuf

import (
	"bytes"
	"strings"
	"sync"
	"testing"
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

// WaitFor waits until b holds want, for at most 5 s, and fails the test
// if it never does.
func (b *Buffer) WaitFor(tb testing.TB, want string) {
	tb.Helper()
	for i := 0; !strings.Contains(b.String(), want); i++ {
		if i == 500 {
			tb.Fatalf("output %q\nhas no %q", b.String(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
