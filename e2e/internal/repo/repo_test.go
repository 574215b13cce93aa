package repo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestToolchain(t *testing.T) {
	for _, tt := range []struct {
		work, want, wantErr string
	}{
		{work: "go 1.26.0\n\ntoolchain go1.26.8\n\nuse ./hello\n", want: "go1.26.8"},
		{work: "go 1.26.0\n\nuse ./hello\n", wantErr: "no toolchain line"},
		{work: "go 1.26.0\ntoolchain go1.26\n", wantErr: "exact release"},
		{work: "go 1.26.0\ntoolchain go1.27rc1\n", wantErr: "exact release"},
		{work: "go 1.26.0\n  toolchain go1.26.8\n", wantErr: "no toolchain line"},
	} {
		got, err := Toolchain([]byte(tt.work))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Toolchain(%q) = %q, %v; want an error saying %q", tt.work, got, err, tt.wantErr)
			}
		} else if err != nil || got != tt.want {
			t.Errorf("Toolchain(%q) = %q, %v; want %q", tt.work, got, err, tt.want)
		}
	}
}

func TestRoot(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Errorf("Root() = %s, which holds no go.work: %v", root, err)
	}
	pin, err := ReadToolchain(root)
	if err != nil || !IsRelease(pin) {
		t.Errorf("ReadToolchain(%s) = %q, %v; want an exact release", root, pin, err)
	}
	t.Chdir(t.TempDir())
	if dir, err := Root(); err == nil {
		t.Errorf("Root() outside the repository = %s, want an error", dir)
	}
}
