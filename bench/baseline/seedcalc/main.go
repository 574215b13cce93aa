// Command seedcalc behaves like seed 004's calculator, so that benchmarks can
// time it: it reads lines of the form "a op b" (single spaces, 64-bit
// integers, op one of + - * /), prints each result on its own line, and stops
// at "exit". Like the seed, integer overflow wraps silently and a division by
// zero panics. Output is unbuffered, one write per line, as in the seed.
//
// Two seed bugs are fixed, because they make the seed impossible to time: the
// seed loops forever at end of input, and it loses piped lines by making a new
// buffered reader for every line. Here one reader serves all lines and end of
// input ends the program with status 0.
//
// It must not change anything else of the seed's program, or import more
// than the seed does: it is the baseline our calculator is timed against.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "exit" {
			return
		}
		result, err := calculate(line)
		if err != nil {
			fmt.Println("Error:", err)
			continue
		}
		fmt.Println(result)
	}
}

// calculate evaluates "a op b" with int64 arithmetic, as the seed does.
func calculate(line string) (int64, error) {
	parts := strings.Split(line, " ")
	if len(parts) != 3 {
		return 0, fmt.Errorf("invalid input %q: want \"a op b\"", line)
	}
	a, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return 0, err
	}
	b, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return 0, err
	}
	switch parts[1] {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		return a / b, nil
	}
	return 0, fmt.Errorf("unknown operator %q", parts[1])
}
