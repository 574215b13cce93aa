package release

import (
	"testing"
)

// TestParseRPMFile parses file lines as rpmQueryFormat prints them and
// refuses malformed ones.
func TestParseRPMFile(t *testing.T) {
	for _, tc := range []struct {
		line    string
		want    rpmFile
		wantErr bool
	}{
		{line: "/usr/bin/hello\t100755\t1700000000\troot\t0\tabc",
			want: rpmFile{path: "/usr/bin/hello", mode: 0o755, mtime: 1700000000, user: "root", digest: "abc"}},
		{line: "/etc/default/hello\t100644\t1\troot\t17\t",
			want: rpmFile{path: "/etc/default/hello", mode: 0o644, mtime: 1, user: "root", flags: 17}},
		{line: "/usr/bin/hello\t100755\t1\troot\t0", wantErr: true},
		{line: "/usr/bin/hello\t100758\t1\troot\t0\t", wantErr: true},
		{line: "/usr/bin/hello\t100755\tnow\troot\t0\t", wantErr: true},
		{line: "/usr/bin/hello\t100755\t1\troot\tc\t", wantErr: true},
	} {
		got, err := parseRPMFile(tc.line)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseRPMFile(%q) = %+v, %v; want %+v, error %v", tc.line, got, err, tc.want, tc.wantErr)
		}
	}
}
