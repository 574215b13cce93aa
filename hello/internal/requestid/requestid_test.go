package requestid

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestValid(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"uuid", "3b241101-e2bb-4255-8caf-4136c566a962", true},
		{"hex", "0123456789abcdefABCDEF", true},
		{"base64", "dGVzdA+/=", true},
		{"punctuation", "a-b_c.d:e/f+g=h", true},
		{"single byte", "x", true},
		{"max length", strings.Repeat("a", MaxLen), true},
		{"empty", "", false},
		{"too long", strings.Repeat("a", MaxLen+1), false},
		{"space", "a b", false},
		{"quote", `a"b`, false},
		{"backslash", `a\b`, false},
		{"newline", "a\nb", false},
		{"CR", "a\rb", false},
		{"NUL", "a\x00b", false},
		{"DEL", "a\x7fb", false},
		{"semicolon", "a;b", false},
		{"angle bracket", "<script>", false},
		{"non-ASCII", "idé", false},
		{"invalid UTF-8", "a\xffb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Valid(tt.id); got != tt.want {
				t.Errorf("Valid(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestGeneratorIDsAreValidAndUnique(t *testing.T) {
	g, err := NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 4, 1000
	ids := make(chan string, workers*perWorker)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perWorker {
				ids <- g.Next()
			}
		})
	}
	wg.Wait()
	close(ids)

	seen := make(map[string]bool, workers*perWorker)
	for id := range ids {
		if !Valid(id) {
			t.Fatalf("generated id %q is not Valid", id)
		}
		if seen[id] {
			t.Fatalf("generated id %q twice", id)
		}
		seen[id] = true
	}
}

func TestGeneratorsHaveDistinctPrefixes(t *testing.T) {
	a, err := NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	idA, idB := a.Next(), b.Next()
	if idA == idB {
		t.Fatalf("two generators both made %q", idA)
	}
	prefix, counter, ok := strings.Cut(idA, "-")
	if !ok || len(prefix) != 16 || counter != "1" {
		t.Errorf("first id %q: want 16 hex digits, '-', counter 1", idA)
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{"", "abc", "3b241101-e2bb-4255-8caf-4136c566a962", "a b", "a\x00", "é", strings.Repeat("z", MaxLen+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if !Valid(id) {
			return
		}
		// Whatever Valid accepts must be safe in a header and in a JSON log
		// line without escaping.
		if len(id) == 0 || len(id) > MaxLen {
			t.Fatalf("Valid accepted length %d", len(id))
		}
		for _, c := range []byte(id) {
			if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == ',' || c == ';' {
				t.Fatalf("Valid accepted %q containing byte %#x", id, c)
			}
		}
	})
}

func BenchmarkNext(b *testing.B) {
	g, err := NewGenerator()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = g.Next()
		}
	})
}

// TestNextCounts checks that the ids count up in hex after the prefix.
func TestNextCounts(t *testing.T) {
	g, err := NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	prefix, _, _ := strings.Cut(g.Next(), "-")
	for n := 2; n <= 300; n++ {
		if id, want := g.Next(), fmt.Sprintf("%s-%x", prefix, n); id != want {
			t.Fatalf("id %d = %q, want %q", n, id, want)
		}
	}
}

func BenchmarkValid(b *testing.B) {
	id := "3b241101-e2bb-4255-8caf-4136c566a962"
	b.ReportAllocs()
	for b.Loop() {
		if !Valid(id) {
			b.Fatal("not valid")
		}
	}
}
