// Command apd is ../base plus apd's Sqrt, Exp, Ln and Pow on the same
// argument, kept alive by printing their results: the difference of the
// two stripped sizes is what apd adds to a math/big program.
package main

import (
	"math/big"
	"os"

	"github.com/cockroachdb/apd/v3"
)

func main() {
	if len(os.Args) < 2 {
		return
	}
	x, ok := new(big.Rat).SetString(os.Args[1])
	if !ok || x.Sign() < 0 {
		os.Exit(2)
	}
	f := new(big.Float).SetPrec(200).SetRat(x)
	os.Stdout.WriteString(f.Sqrt(f).Text('g', 50) + "\n")
	d, _, err := apd.NewFromString(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	c := apd.BaseContext.WithPrecision(50)
	var r apd.Decimal
	for _, op := range []func(*apd.Decimal, *apd.Decimal) (apd.Condition, error){c.Sqrt, c.Exp, c.Ln} {
		if _, err := op(&r, d); err == nil {
			os.Stdout.WriteString(r.String() + "\n")
		}
	}
	if _, err := c.Pow(&r, d, apd.New(5, -1)); err == nil {
		os.Stdout.WriteString(r.String() + "\n")
	}
}
