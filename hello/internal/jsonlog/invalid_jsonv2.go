//go:build goexperiment.jsonv2

package jsonlog

// invalidUTF8 is what appendString writes for a byte that is not UTF-8:
// U+FFFD itself, as log/slog writes it with the jsonv2 experiment (the
// default since Go 1.27, https://go.dev/cl/687116).
const invalidUTF8 = "\ufffd"
