package stats

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"one", []float64{3}, Summary{N: 1, Median: 3, Min: 3, Max: 3}},
		{"odd unsorted", []float64{5, 1, 3}, Summary{N: 3, Median: 3, Min: 1, Max: 5}},
		{"even", []float64{4, 1, 3, 2}, Summary{N: 4, Median: 2.5, Min: 1, Max: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.in); got != tt.want {
				t.Errorf("Summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSummarizeKeepsInput(t *testing.T) {
	in := []float64{3, 1, 2}
	Summarize(in)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Errorf("Summarize reordered its input: %v", in)
	}
}

func TestSpreadAndFormat(t *testing.T) {
	s := Summarize([]float64{0.9, 1.0, 1.1})
	if got := s.Spread(); math.Abs(got-0.1) > 1e-12 {
		t.Errorf("Spread = %v, want 0.1", got)
	}
	if got, want := s.Format(2), "1.00 (0.90–1.10, n=3)"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if got := (Summary{}).Spread(); got != 0 {
		t.Errorf("zero Summary Spread = %v, want 0", got)
	}
}

func TestRatios(t *testing.T) {
	got, err := Ratios([]float64{2, 9}, []float64{4, 3})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 0.5 || got[1] != 3 {
		t.Errorf("Ratios = %v, want [0.5 3]", got)
	}
	if _, err := Ratios([]float64{1}, []float64{1, 2}); err == nil {
		t.Error("Ratios with different lengths: no error")
	}
	if _, err := Ratios([]float64{1}, []float64{0}); err == nil {
		t.Error("Ratios with a zero denominator: no error")
	}
}

func TestGeoMean(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"pair", []float64{2, 8}, 4},
		{"non-positive", []float64{2, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GeoMean(tt.in); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("GeoMean(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
