//go:build !goexperiment.jsonv2

package jsonlog

// invalidUTF8 is what appendString writes for a byte that is not UTF-8:
// U+FFFD escaped, as log/slog writes it without the jsonv2 experiment
// (before Go 1.27).
const invalidUTF8 = `\ufffd`
