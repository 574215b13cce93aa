package chart

import (
	"encoding/xml"
	"math"
	"strings"
	"testing"
)

func TestSVGIsWellFormed(t *testing.T) {
	out, err := SVG(
		Panel{Title: "Sizes <MB>", Log: true, Bars: []Bar{
			{Label: "ours & co", Value: 1.8, Ours: true},
			{Label: "seed", Value: 235, Text: "235 MB"},
		}},
		Panel{Title: "Ratio", Marker: 0.9, MarkerLabel: "target 0.90", Bars: []Bar{
			{Label: "logs on", Value: 0.93, Ours: true},
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(strings.NewReader(string(out)))
	var rects, texts int
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "rect":
				rects++
			case "text":
				texts++
			}
		}
	}
	if rects != 4 { // background + 3 bars
		t.Errorf("found %d rect elements, want 4", rects)
	}
	for _, want := range []string{"Sizes &lt;MB&gt;", "ours &amp; co", "235 MB", "0.93", "target 0.90", colourOurs, colourOther, colourMark} {
		if !strings.Contains(string(out), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestScale(t *testing.T) {
	s, err := newScale(Panel{Log: true, Bars: []Bar{{Value: 1.8}, {Value: 235}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.min != 1 || s.max != 1000 {
		t.Errorf("log scale = [%v, %v], want [1, 1000]", s.min, s.max)
	}
	if got := s.x(10); math.Abs(got-(labelWidth+plotWidth/3.0)) > 1e-9 {
		t.Errorf("x(10) = %v, want a third of the way", got)
	}
	if got := s.ticks(); len(got) != 4 {
		t.Errorf("log ticks = %v, want 1 10 100 1000", got)
	}
	lin, err := newScale(Panel{Marker: 2, Bars: []Bar{{Value: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if lin.max < 2 {
		t.Errorf("linear scale max %v does not reach the marker 2", lin.max)
	}
}

func TestSVGRejectsBadPanels(t *testing.T) {
	tests := []struct {
		name string
		p    Panel
	}{
		{"no bars", Panel{Title: "empty"}},
		{"NaN", Panel{Bars: []Bar{{Value: math.NaN()}}}},
		{"negative", Panel{Bars: []Bar{{Value: -1}}}},
		{"zero on log", Panel{Log: true, Bars: []Bar{{Value: 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := SVG(tt.p); err == nil {
				t.Error("SVG: no error")
			}
		})
	}
}

func TestTickLabel(t *testing.T) {
	for v, want := range map[float64]string{1000: "1000", 1: "1", 0.5: "0.5", 0.6000000000000001: "0.6", 0.1: "0.1"} {
		if got := tickLabel(v); got != want {
			t.Errorf("tickLabel(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for raw, want := range map[float64]float64{0.18: 0.2, 0.3: 0.5, 1: 1, 7: 10} {
		if got := niceStep(raw); math.Abs(got-want) > 1e-12 {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
}
