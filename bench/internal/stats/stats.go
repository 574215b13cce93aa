// Package stats summarises repeated measurements: medians (benchstat's,
// from golang.org/x/perf/benchmath), ranges and the per-round ratios and
// geometric means that make interleaved runs comparable on a noisy
// machine, which benchmath does not offer.
//
// It must not format units or judge targets: it returns numbers (and
// [Summary.Format] a plain median and range).
package stats

import (
	"fmt"
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Summary describes a set of samples by its median and its range.
type Summary struct {
	N      int
	Median float64
	Min    float64
	Max    float64
}

// Summarize returns the median, minimum and maximum of xs, the median as
// benchstat computes it (golang.org/x/perf/benchmath, assuming nothing of
// the distribution). It returns the zero Summary for no samples.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := benchmath.NewSample(slices.Clone(xs), &benchmath.DefaultThresholds) // sorts its copy
	v := s.Values
	return Summary{N: len(v), Median: benchmath.AssumeNothing.Summary(s, 0.95).Center, Min: v[0], Max: v[len(v)-1]}
}

// Spread is the half-width of the range relative to the median, as a
// fraction: 0.05 means the samples lie within about ±5 % of the median.
func (s Summary) Spread() float64 {
	if s.Median == 0 {
		return 0
	}
	return (s.Max - s.Min) / 2 / math.Abs(s.Median)
}

// Format formats s as "median (min–max, n=N)" with prec decimals.
func (s Summary) Format(prec int) string {
	return fmt.Sprintf("%.*f (%.*f–%.*f, n=%d)", prec, s.Median, prec, s.Min, prec, s.Max, s.N)
}

// Ratios divides num[i] by den[i] for every round i: each ratio compares two
// measurements taken next to each other in time, which cancels slow drift in
// the machine's speed. It returns an error if the lengths differ or a
// denominator is zero.
func Ratios(num, den []float64) ([]float64, error) {
	if len(num) != len(den) {
		return nil, fmt.Errorf("ratios: %d numerators but %d denominators", len(num), len(den))
	}
	out := make([]float64, len(num))
	for i := range num {
		if den[i] == 0 {
			return nil, fmt.Errorf("ratios: denominator %d is zero", i)
		}
		out[i] = num[i] / den[i]
	}
	return out, nil
}

// GeoMean returns the geometric mean of positive xs, or 0 if xs is empty or
// holds a value that is not positive.
func GeoMean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		if x <= 0 {
			return 0
		}
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(xs)))
}
