// Package chart draws horizontal bar charts as standalone SVG, with no
// dependency beyond the standard library, for the benchmark report.
//
// It must not know what the bars measure (the harness labels them) or
// write files: it returns the SVG's bytes.
package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
)

// Bar is one bar of a panel.
type Bar struct {
	Label string  // shown left of the bar
	Value float64 // must be positive on a log-scale panel
	Text  string  // shown right of the bar; the value if empty
	Ours  bool    // drawn in the highlight colour
}

// Panel is one chart: a title, bars, and an optional marker line.
type Panel struct {
	Title string
	Bars  []Bar
	// Log draws the value axis in powers of ten, for values that span
	// orders of magnitude.
	Log bool
	// Marker, if positive, draws a vertical dashed line at that value,
	// labelled MarkerLabel (a target, for example).
	Marker      float64
	MarkerLabel string
}

// Layout in pixels.
const (
	width      = 760
	labelWidth = 230
	textWidth  = 120
	plotWidth  = width - labelWidth - textWidth - 10
	titleH     = 28
	barH       = 16
	barGap     = 6
	axisH      = 22
	panelGap   = 18
)

const (
	colourOurs  = "#1f77b4"
	colourOther = "#a6a6a6"
	colourMark  = "#d62728"
)

// SVG renders the panels one under the other into a single SVG document.
// It returns an error if a panel has no bars or a value cannot be drawn.
func SVG(panels ...Panel) ([]byte, error) {
	var body bytes.Buffer
	y := 10.0
	for _, p := range panels {
		h, err := p.render(&body, y)
		if err != nil {
			return nil, fmt.Errorf("chart %q: %w", p.Title, err)
		}
		y += h + panelGap
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%.0f" viewBox="0 0 %d %.0f" font-family="sans-serif" font-size="12">`+"\n",
		width, y, width, y)
	fmt.Fprintf(&out, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	out.Write(body.Bytes())
	out.WriteString("</svg>\n")
	return out.Bytes(), nil
}

// scale maps values to x offsets within the plot area.
type scale struct {
	log      bool
	min, max float64
}

func newScale(p Panel) (scale, error) {
	if len(p.Bars) == 0 {
		return scale{}, fmt.Errorf("no bars")
	}
	hi := p.Marker
	lo := math.Inf(1)
	for _, b := range p.Bars {
		if math.IsNaN(b.Value) || math.IsInf(b.Value, 0) || b.Value < 0 {
			return scale{}, fmt.Errorf("bar %q: cannot draw value %v", b.Label, b.Value)
		}
		if p.Log && b.Value <= 0 {
			return scale{}, fmt.Errorf("bar %q: value %v on a log scale", b.Label, b.Value)
		}
		hi = math.Max(hi, b.Value)
		lo = math.Min(lo, b.Value)
	}
	if !p.Log {
		if hi == 0 {
			hi = 1
		}
		return scale{min: 0, max: hi * 1.05}, nil
	}
	return scale{log: true, min: math.Pow(10, math.Floor(math.Log10(lo))), max: math.Pow(10, math.Ceil(math.Log10(hi)))}, nil
}

func (s scale) x(v float64) float64 {
	var f float64
	if s.log {
		if s.max == s.min {
			f = 1
		} else {
			f = math.Log10(v/s.min) / math.Log10(s.max/s.min)
		}
	} else {
		f = v / s.max
	}
	return labelWidth + math.Max(0, math.Min(1, f))*plotWidth
}

// ticks returns the axis values to label.
func (s scale) ticks() []float64 {
	var t []float64
	if s.log {
		for v := s.min; v <= s.max*1.0001; v *= 10 {
			t = append(t, v)
		}
		return t
	}
	step := niceStep(s.max / 5)
	for i := 0; float64(i)*step <= s.max; i++ {
		t = append(t, float64(i)*step)
	}
	return t
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func (p Panel) render(w *bytes.Buffer, top float64) (float64, error) {
	s, err := newScale(p)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, `<text x="%d" y="%.1f" font-size="14" font-weight="bold">%s</text>`+"\n", 10, top+16, esc(p.Title))
	plotTop := top + titleH
	plotBottom := plotTop + float64(len(p.Bars))*(barH+barGap) - barGap
	// Grid first, so that the bars cover it.
	for _, t := range s.ticks() {
		x := s.x(t)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#dddddd"/>`+"\n", x, plotTop, x, plotBottom)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555555">%s</text>`+"\n", x, plotBottom+14, esc(tickLabel(t)))
	}
	y := plotTop
	for _, b := range p.Bars {
		colour := colourOther
		if b.Ours {
			colour = colourOurs
		}
		x1 := s.x(b.Value)
		text := b.Text
		if text == "" {
			text = fmt.Sprintf("%.3g", b.Value)
		}
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", labelWidth-6, y+barH-4, esc(b.Label))
		fmt.Fprintf(w, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="%s"/>`+"\n", labelWidth, y, x1-labelWidth, barH, colour)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x1+4, y+barH-4, esc(text))
		y += barH + barGap
	}
	if p.Marker > 0 {
		x := s.x(p.Marker)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="4 3"/>`+"\n", x, plotTop-4, x, plotBottom+2, colourMark)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", x+3, plotTop-6, colourMark, esc(p.MarkerLabel))
	}
	return plotBottom + axisH - top, nil
}

// tickLabel prints whole numbers in full (1000, not 1e+03).
func tickLabel(v float64) string {
	if v >= 1 && v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer cannot fail
	return b.String()
}
