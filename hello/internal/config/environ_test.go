package config

import (
	"reflect"
	"testing"
)

func TestUnknownEnv(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    []UnknownVar
	}{
		{"none", nil, nil},
		{"only known ones and others", []string{
			"PATH=/bin", "HELLO_ADDR=:80", "HELLO_HEALTHCHECK_TIMEOUT=1s", "HELLO_ACCESS_LOG=false",
			"HELLO_TRUSTED_PROXIES=", "HELLO_CPUPROFILE=/tmp/p", "HELLO_CPUPROFILE_SECONDS=5", "HELLOWORLD=1", "HELLO=1",
		}, nil},
		{"swapped letters", []string{"HELLO_ADRR=:80"}, []UnknownVar{{"HELLO_ADRR", "HELLO_ADDR"}}},
		{"missing underscore", []string{"HELLO_GRACEPERIOD=5s"}, []UnknownVar{{"HELLO_GRACEPERIOD", "HELLO_GRACE_PERIOD"}}},
		{"missing letter", []string{"HELLO_ACESS_LOG=false"}, []UnknownVar{{"HELLO_ACESS_LOG", "HELLO_ACCESS_LOG"}}},
		{"lower case", []string{"hello_addr=:80"}, []UnknownVar{{"hello_addr", "HELLO_ADDR"}}},
		{"mixed case", []string{"Hello_Max_Connections=5"}, []UnknownVar{{"Hello_Max_Connections", "HELLO_MAX_CONNECTIONS"}}},
		{"healthcheck's, misspelt", []string{"HELLO_HEALTHCHECK_TIMOUT=1s"},
			[]UnknownVar{{"HELLO_HEALTHCHECK_TIMOUT", "HELLO_HEALTHCHECK_TIMEOUT"}}},
		{"nothing close", []string{"HELLO_TIMEOUT=1s", "HELLO_COLOR=red"},
			[]UnknownVar{{"HELLO_TIMEOUT", ""}, {"HELLO_COLOR", ""}}},
		{"empty value still counts", []string{"HELLO_ADRR="}, []UnknownVar{{"HELLO_ADRR", "HELLO_ADDR"}}},
		{"prefix alone", []string{"HELLO_=1"}, []UnknownVar{{"HELLO_", ""}}},
		{"each once, in order", []string{"HELLO_B=1", "HELLO_A=1", "HELLO_B=2"},
			[]UnknownVar{{"HELLO_B", ""}, {"HELLO_A", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UnknownEnv(tt.environ); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("UnknownEnv(%q) = %+v, want %+v", tt.environ, got, tt.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"abc", "abc", 0},
		{"ADRR", "ADDR", 1}, {"kitten", "sitting", 3}, {"GRACEPERIOD", "GRACE_PERIOD", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
