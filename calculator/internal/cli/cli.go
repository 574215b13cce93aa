// Package cli is the calculator's command line: options, the three modes
// (arguments, lines from standard input, interactive terminal) and their
// input and output. The arithmetic is package expr's.
//
// [Run] must not touch the process: no os.Args, os.Stdin, os.Stdout,
// signal handlers that end the program, or os.Exit. Everything comes in as
// its arguments, the terminal as a [Terminal], so that tests run it
// in-process with a fake one; [OpenTerminal] and [Output] adapt the files
// that package main hands over. Like the rest of the calculator, it must
// not import fmt.
package cli

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-multistage/multistage/calculator/expr"
	"github.com/go-multistage/multistage/calculator/internal/buildinfo"
)

// Exit statuses.
const (
	ExitOK    = 0 // every expression evaluated (or nothing to do)
	ExitError = 1 // an expression failed, or reading or writing did
	ExitUsage = 2 // bad options
)

const name = "calculator"

// Run runs the calculator with args (without the program's name) and
// returns its exit status. It reads and writes only the streams it is
// given. tty is the terminal behind stdin and stdout, or nil when they
// are not both one; only then is the interactive mode used.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, tty Terminal) int {
	if len(args) > 0 {
		args = append([]string{strings.TrimPrefix(args[0], bom)}, args[1:]...)
	}
	opts, err := parseArgs(args)
	if err != nil {
		warn(stderr, name+": "+err.Error()+"\nRun '"+name+" --help' for usage.\n")
		return ExitUsage
	}
	switch {
	case opts.help:
		return finish(stdout, stderr, usage)
	case opts.version:
		return finish(stdout, stderr, name+" "+buildinfo.Get().String()+"\n")
	}
	s := &session{precision: opts.precision, fraction: opts.fraction, budget: opts.budget, mark: tty != nil, env: expr.NewEnv()}
	switch {
	case len(opts.expr) > 0:
		return runArgs(s, strings.Join(opts.expr, " "), stdout, stderr)
	case tty != nil:
		return runInteractive(s, stdin, stdout, stderr, tty)
	}
	return runStream(s, stdin, stdout, stderr)
}

// options are the parsed command line.
type options struct {
	precision int
	fraction  bool
	budget    time.Duration // for the lines of standard input; 0: none
	help      bool
	version   bool
	expr      []string // the words of the expression
}

// usageError is a mistake in the command line.
type usageError string

func (e usageError) Error() string { return string(e) }

// parseArgs reads the options, which come before the expression. A word
// that starts with "-" is an option only when a letter follows the dashes,
// so "-3 + 4" and "-(1)" start an expression.
func parseArgs(args []string) (options, error) {
	o := options{precision: expr.DefaultPrecision, budget: DefaultBudget}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			o.expr = args[i+1:]
			break
		}
		if !isOption(arg) {
			o.expr = args[i:]
			break
		}
		flag, value, hasValue := strings.Cut(arg, "=")
		if !hasValue && strings.HasPrefix(arg, "-p") && len(arg) > 2 && arg[2] != '-' {
			flag, value, hasValue = "-p", arg[2:], true // -p30
		}
		switch flag {
		case "-h", "--help":
			o.help = true
		case "-v", "--version":
			o.version = true
		case "-f", "--fraction":
			o.fraction = true
		case "--budget":
			if !hasValue {
				if i+1 == len(args) {
					return o, usageError("option " + flag + " needs a value")
				}
				i++
				value = args[i]
			}
			d, err := parseBudget(value)
			if err != nil {
				return o, err
			}
			o.budget = d
			continue
		case "-p", "--precision":
			if !hasValue {
				if i+1 == len(args) {
					return o, usageError("option " + flag + " needs a value")
				}
				i++
				value = args[i]
			}
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > expr.MaxPrecision {
				return o, usageError("invalid precision " + strconv.Quote(value) +
					": want a whole number from 1 to " + strconv.Itoa(expr.MaxPrecision))
			}
			o.precision = n
			continue
		default:
			return o, usageError("unknown option " + strconv.Quote(arg))
		}
		if hasValue {
			return o, usageError("option " + flag + " takes no value")
		}
	}
	return o, nil
}

// DefaultBudget is the CPU time the big-number work of one standard input
// may take in all (see expr.Budget), unless --budget says otherwise.
const DefaultBudget = time.Minute

// parseBudget reads the value of --budget: a duration such as 30s or 5m,
// or 0 or off for no budget.
func parseBudget(value string) (time.Duration, error) {
	if value == "off" {
		return 0, nil
	}
	d, err := time.ParseDuration(value)
	if value == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		return 0, usageError("invalid budget " + strconv.Quote(value) + ": want a duration such as 30s or 5m, or off")
	}
	return d, nil
}

// isOption reports whether arg is "-x…" or "--x…" with x a letter.
func isOption(arg string) bool {
	s, ok := strings.CutPrefix(arg, "-")
	if !ok {
		return false
	}
	s = strings.TrimPrefix(s, "-")
	return s != "" && ('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z')
}

// session evaluates expressions one after the other, remembering the last
// result as "ans".
type session struct {
	precision int
	fraction  bool
	mark      bool          // mark rounded results with roundedMark: a person reads them
	budget    time.Duration // see options; used by the standard-input mode
	work      *expr.Budget  // what is left of it, when one applies
	ans       expr.Value
	hasAns    bool
	env       *expr.Env // the variables of all the lines
}

// eval evaluates src and returns what to print: its result, formatted,
// and a newline, or nothing for an assignment, as bc prints nothing.
func (s *session) eval(src string) (out string, err error) {
	defer func() {
		// A safety net: the engine is not expected to panic.
		if r := recover(); r != nil {
			out, err = "", internalError{r}
		}
	}()
	v, err := expr.Eval(src, expr.Options{Ans: s.ans, HasAns: s.hasAns, Budget: s.work, Env: s.env, Precision: s.precision})
	if err != nil {
		return "", err
	}
	if _, ok := expr.Assignment(src); ok {
		return "", nil // ans stays the last result printed
	}
	s.ans, s.hasAns = v, true
	if s.fraction && !v.Rounded() {
		return v.Fraction() + "\n", nil // a rounded result has no exact fraction
	}
	out, rounded := v.DecimalRounded(s.precision)
	if rounded && s.mark {
		out = roundedMark + out
	}
	return out + "\n", nil
}

// roundedMark starts a rounded result shown on a terminal, as in qalc.
// Output to a pipe or a file never carries it, so that scripts read plain
// numbers.
const roundedMark = "≈ "

// internalError is a panic turned into an error.
type internalError struct{ v any }

func (e internalError) Error() string {
	msg := "unknown panic"
	switch v := e.v.(type) {
	case error:
		msg = v.Error()
	case string:
		msg = v
	}
	return "internal error (please report it): " + msg
}

func runArgs(s *session, src string, stdout, stderr io.Writer) int {
	out, err := s.eval(src)
	if err != nil {
		warn(stderr, "error: "+err.Error()+"\n"+snippet(err, 0))
		return ExitError
	}
	return finish(stdout, stderr, out)
}

// bom is the byte-order mark some editors put at the start of a text.
const bom = "\ufeff"

// snippet returns the lines that show where err is in its expression,
// cols columns wide at most (see expr.Error.Snippet), or "" when err is
// not an *expr.Error.
func snippet(err error, cols int) string {
	e, ok := err.(*expr.Error) // Eval's errors are never wrapped
	if !ok {
		return ""
	}
	return e.Snippet(cols)
}

// command returns line without its comment and the white space around,
// for recognising the commands exit, quit and help; "" for a blank line
// or a comment.
func command(line string) string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}

// finish writes text to stdout and returns the exit status: ExitOK, or
// ExitError when the write fails.
func finish(stdout, stderr io.Writer, text string) int {
	if err := writeString(stdout, text); err != nil {
		warn(stderr, "error: writing the output: "+err.Error()+"\n")
		return ExitError
	}
	return ExitOK
}

// warn writes a message for the user to stderr. It drops the write's
// error on purpose: when stderr fails too, nothing is left to tell.
func warn(stderr io.Writer, s string) {
	_, _ = io.WriteString(stderr, s)
}

func writeString(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	return err
}

const usage = `Usage: calculator [options] [--] [expression ...]

Evaluates arithmetic exactly, with rational numbers: 0.1 + 0.2 is 0.3.

  calculator '2 * (3 + 4)'     prints 14 (the words of the expression are
                               joined with spaces: calculator 2 '*' 3)
  echo '1 / 4' | calculator    evaluates each line of standard input
  calculator                   in a terminal: an interactive prompt

Options, before the expression (-3 + 4 is an expression, not an option):
  -p, --precision N   significant digits of rounded results: 1/3, sqrt(2)
                      (default 20, 1 to 10000)
  -f, --fraction      print exact non-integer results as fractions: 7/2
                      (irrational ones have none: printed rounded, as without -f)
  --budget D          CPU time the big-number work of all the input lines
                      may take (default 1m; 0 or off: no limit), such as 30s
  -h, --help          print this help
  -v, --version       print the version
  --                  end the options

` + exprHelp + `
Input lines: blank lines and # comments are skipped; exit or quit stops.
Limits: 64 KiB per line, nesting depth 1000, 30103 digits per number,
100000 bits per numerator or denominator, about 40 ms of work per
expression (a second for irrational results), and the --budget for all
the input lines.
Exit status: 0 success, 1 an expression failed, 2 usage error.
`

const exprHelp = `Expressions:
  numbers     12  1.5  .5  2.  6.02e23  1.5E-3  1_000_000
              integers 0x1f  0o17  0b1010  0x_ffff
  operators   + - * /, % remainder (sign of the dividend: -7 % 2 is -1),
              also × · ÷ − as pasted from documents,
              ^ power (2^-2 is 0.25, 0^0 is 1, 8^(1/3) is 2, 2^0.5)
  precedence  ^ first and right to left (2^3^2 is 512, -2^2 is -4),
              then * / %, then + -, left to right; ( ) group
  functions   abs trunc floor ceil round (half away from zero), min max
              of any number of arguments: floor(-7/2) is -4, max(1, 2, 3);
              sqrt cbrt exp ln log10 log2, log(x, base), sin cos tan asin
              acos atan (radians), atan2(y, x)
  constants   pi, e (2*e; 2e is a malformed number, 2e1 is 20)
  ans         the previous result (in input lines and at the prompt)
  x = 2 * 3   sets the variable x (letters, digits, _), printing nothing,
              as bc does; later lines use it: x + 1
  #           starts a comment
Results are exact where they are rational (sqrt(9/4) is 1.5, ln(1) is 0):
integers and finite decimals in full, others rounded (1/3). Irrational
ones are correctly rounded to -p digits, unlike bc -l, which truncates.
Rounded results are marked ≈ on a terminal (never in a pipe or a file);
tiny ones in exponent form (1e-5).
`
