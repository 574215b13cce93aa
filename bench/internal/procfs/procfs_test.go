package procfs

import (
	"os"
	"strings"
	"testing"
)

const sample = `Name:	hello
State:	S (sleeping)
VmPeak:	 1236424 kB
VmHWM:	   11520 kB
VmRSS:	   10240 kB
Threads:	5
`

func TestStatusBytes(t *testing.T) {
	tests := []struct {
		name, in, field string
		want            int64
		wantErr         string
	}{
		{"hwm", sample, "VmHWM", 11520 * 1024, ""},
		{"rss", sample, "VmRSS", 10240 * 1024, ""},
		{"missing", sample, "VmSwap", 0, "no field VmSwap"},
		{"prefix is not a match", "VmHWMX:\t1 kB\n", "VmHWM", 0, "no field"},
		{"no unit", "VmHWM:\t12\n", "VmHWM", 0, "want \"N kB\""},
		{"not a number", "VmHWM:\tx kB\n", "VmHWM", 0, "bad size"},
		{"negative", "VmHWM:\t-1 kB\n", "VmHWM", 0, "bad size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StatusBytes([]byte(tt.in), tt.field)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("StatusBytes = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestPeakRSSOfThisProcess(t *testing.T) {
	n, err := PeakRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if n < 1<<20 {
		t.Errorf("PeakRSS of the test process = %d bytes, want at least 1 MiB", n)
	}
	if _, err := PeakRSS(-1); err == nil {
		t.Error("PeakRSS(-1): no error")
	}
}

func FuzzStatusBytes(f *testing.F) {
	f.Add([]byte(sample), "VmHWM")
	f.Add([]byte("VmHWM: 9999999999999999999 kB"), "VmHWM")
	f.Fuzz(func(t *testing.T, in []byte, field string) {
		n, err := StatusBytes(in, field)
		if err == nil && n < 0 {
			t.Errorf("StatusBytes(%q, %q) = %d, want a size ≥ 0", in, field, n)
		}
	})
}
