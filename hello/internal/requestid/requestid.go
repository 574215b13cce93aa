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
	"sync"
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
//
// Ids are made in blocks of [blockSize] consecutive ones: one string holds
// a block's ids back to back and one slice holds their header values, so
// that an id costs an atomic add and no allocation of its own (a request
// would otherwise allocate the id and the slice of its header value).
// A Generator is safe for concurrent use.
type Generator struct {
	prefix  [17]byte // 16 hex digits and '-'
	counter atomic.Uint64

	mu    sync.Mutex // held while a block is made
	block atomic.Pointer[block]
}

// blockSize is how many ids a block holds.
const blockSize = 64

// block holds the ids of the counter values first to first+blockSize-1.
type block struct {
	first uint64
	// ids[i] is the id of counter value first+i; each is handed out once,
	// as the slice ids[i:i+1:i+1], and never written again.
	ids []string
}

// NewGenerator returns a Generator with a fresh random prefix.
func NewGenerator() (*Generator, error) {
	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("request id prefix: %w", err)
	}
	g := &Generator{}
	hex.Encode(g.prefix[:16], seed[:])
	g.prefix[16] = '-'
	return g, nil
}

// Next returns a new id. Every id it returns satisfies [Valid].
func (g *Generator) Next() string { return g.NextHeader()[0] }

// NextHeader returns a new id as a header value, []string{id}. The slice
// has no room to grow (cap 1), so that appending to it copies; its element
// must not be modified.
func (g *Generator) NextHeader() []string {
	n := g.counter.Add(1)
	b := g.block.Load()
	if b == nil || n-b.first >= blockSize { // n < b.first wraps around: also outside
		b = g.blockOf(n)
	}
	i := n - b.first
	return b.ids[i : i+1 : i+1]
}

// blockOf returns the block holding the id of counter value n: the current
// block if another goroutine has just made it, or a new one. A new block
// replaces the current one only if it comes after it, so that a goroutine
// that was slow to ask for an older block does not set the others back.
func (g *Generator) blockOf(n uint64) *block {
	g.mu.Lock()
	defer g.mu.Unlock()
	cur := g.block.Load()
	if cur != nil && n-cur.first < blockSize {
		return cur
	}
	b := &block{first: n - n%blockSize, ids: make([]string, blockSize)}
	var all strings.Builder
	all.Grow(blockSize * (len(g.prefix) + 16))
	var ends [blockSize]int
	var digits [16]byte
	for i := range blockSize {
		all.Write(g.prefix[:])
		all.Write(strconv.AppendUint(digits[:0], b.first+uint64(i), 16))
		ends[i] = all.Len()
	}
	text, start := all.String(), 0
	for i, end := range &ends {
		b.ids[i] = text[start:end]
		start = end
	}
	if cur == nil || b.first > cur.first {
		g.block.Store(b)
	}
	return b
}
