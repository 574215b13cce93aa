package markdown

import "testing"

func TestTable(t *testing.T) {
	got := Table([]string{"a", "b"}, [][]string{{"1", "x|y"}, {"line\nbreak"}})
	want := "| a | b |\n| --- | --- |\n| 1 | x\\|y |\n| line break |  |\n"
	if got != want {
		t.Errorf("Table =\n%s\nwant\n%s", got, want)
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "a\nb\n\n", "```\na\nb\n```\n"},
		{"backticks inside", "x ``` y", "````\nx ``` y\n````\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Code(tt.in); got != tt.want {
				t.Errorf("Code(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
