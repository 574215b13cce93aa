// Package markdown writes the small pieces of GitHub-flavoured Markdown the
// benchmark report is made of.
//
// It must not know the report's content: it escapes and lays out the text
// it is given.
package markdown

import (
	"strings"
)

// Table renders a table with the given header and rows. Cells may hold
// inline Markdown; pipes and line breaks in them are escaped so that a cell
// cannot break the table. Rows shorter than the header are padded.
func Table(header []string, rows [][]string) string {
	var b strings.Builder
	writeRow(&b, header, len(header))
	b.WriteString("|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range rows {
		writeRow(&b, r, len(header))
	}
	return b.String()
}

func writeRow(b *strings.Builder, cells []string, n int) {
	b.WriteString("|")
	for i := range n {
		cell := ""
		if i < len(cells) {
			cell = escape(cells[i])
		}
		b.WriteString(" " + cell + " |")
	}
	b.WriteString("\n")
}

var escaper = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")

func escape(s string) string {
	return escaper.Replace(s)
}

// Code fences text as a code block. The fence is longer than any run of
// backticks in text, so the text cannot end the block early.
func Code(text string) string {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	return fence + "\n" + strings.TrimRight(text, "\n") + "\n" + fence + "\n"
}
