// Command base is the size probe without apd: it reads a number from its
// argument with math/big and prints its square root, as a program built
// on math/big does. Compare its stripped size with that of ../apd.
package main

import (
	"math/big"
	"os"
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
}
