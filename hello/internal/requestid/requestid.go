// Package requestid checks incoming request ids and makes new ones cheaply.
//
// It must not draw randomness per request: a [Generator] draws its random
// prefix once and then counts, as the hot path of every request calls it.
package requestid

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// MaxLen is the longest request id [Valid] accepts, in bytes.
const MaxLen = 128

// Valid reports whether id may be kept as the request id: 1 to [MaxLen]
// bytes of ASCII letters, digits and the punctuation "-_.:/+=". That covers
// UUIDs, hex and base64 ids and the ids of common proxies, and keeps the id
// safe to echo in a header and to log without escaping.
func Valid(id string) bool {
	if len(id) == 0 || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z' || strings.IndexByte("-_.:/+=", c) >= 0) {
			return false
		}
	}
	return true
}

// Generator makes request ids that are unique within the process and,
// with overwhelming probability, across processes: a random prefix drawn
// once (64 bits, hex) and a counter, as in "3f9a0c1d2e4b5a69-1f".
// A Generator is safe for concurrent use.
type Generator struct {
	prefix  string // 16 hex digits and '-'
	counter atomic.Uint64
}

// NewGenerator returns a Generator with a fresh random prefix.
func NewGenerator() (*Generator, error) {
	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("request id prefix: %w", err)
	}
	return &Generator{prefix: hex.EncodeToString(seed[:]) + "-"}, nil
}

// Next returns a new id. Every id it returns satisfies [Valid].
func (g *Generator) Next() string {
	var buf [len("0123456789abcdef-") + 16]byte
	b := append(buf[:0], g.prefix...)
	return string(strconv.AppendUint(b, g.counter.Add(1), 16))
}
