package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeGoCompiles builds README.md's Go snippets, joined in order
// into one main function as a reader would paste them, against this
// module's expr package: a snippet that does not compile (a variable
// declared and not used, a renamed method) fails here.
func TestReadmeGoCompiles(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)\n```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go snippet")
	}
	var body strings.Builder
	for _, b := range blocks {
		body.WriteString(b[1])
	}
	src := `package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-multistage/multistage/calculator/expr"
)

var (
	_ = json.Marshal
	_ = errors.As
	_ = time.Second
)

func main() {
` + body.String() + "}\n"
	mod, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"main.go": src,
		"go.sum":  string(sum),
		"go.mod": "module readme\n\ngo 1.26.0\n\nrequire github.com/go-multistage/multistage/calculator v0.0.0\n\n" +
			"replace github.com/go-multistage/multistage/calculator => " + mod + "\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "vet", "-mod=mod", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("README.md's Go snippets do not build: %v\n%s\nthe program:\n%s", err, out, src)
	}
}
