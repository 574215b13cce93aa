package expr_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/go-multistage/multistage/calculator/expr"
)

// TestVariables evaluates lines in order in one Env.
func TestVariables(t *testing.T) {
	env := expr.NewEnv()
	steps := []struct {
		src, want, err string // err: the error's message, if any
	}{
		{"x = 3", "3", ""},
		{"x * 2", "6", ""},
		{"  rate_2 =x/4 ", "0.75", ""},
		{"x = x + 1", "4", ""},
		{"x + rate_2", "4.75", ""},
		{"y", "", `unknown name "y"`},
		{"y = 1/0", "", "division by zero"},
		{"y", "", `unknown name "y"`}, // a failed assignment sets nothing
		{"ans = 2", "", `cannot assign to "ans"`},
		{"x == 4", "", `unexpected "="`},
		{"x = ", "", "unexpected end of input"},
		{"= 3", "", `unexpected "="`},
		{"x = 2 = 3", "", `unexpected "="`},
		{"3 = x", "", `unexpected "="`},
		{"x", "4", ""},
		{"2 y", "", `unknown name "y"`},
		{"X", "", `unknown name "X"`},
	}
	for _, st := range steps {
		v, err := expr.Eval(st.src, expr.Options{Env: env})
		switch {
		case st.err == "" && err != nil:
			t.Errorf("Eval(%q): %v", st.src, err)
		case st.err != "" && (err == nil || err.(*expr.Error).Msg != st.err):
			t.Errorf("Eval(%q) = %v, %v; want error %q", st.src, v, err, st.err)
		case st.err == "" && v.String() != st.want:
			t.Errorf("Eval(%q) = %v, want %s", st.src, v, st.want)
		}
	}
	if got, ok := env.Get("x"); !ok || got.String() != "4" || env.Len() != 2 {
		t.Errorf("env: x = %v (%v), %d variables; want x = 4, 2 variables", got, ok, env.Len())
	}
}

func TestAssignmentWithoutEnv(t *testing.T) {
	_, err := expr.Eval("x = 3", expr.Options{})
	if err == nil || !errors.Is(err, expr.ErrSyntax) {
		t.Errorf("assignment without an Env: %v, want a syntax error", err)
	}
	if _, err := expr.Eval("x", expr.Options{}); !errors.Is(err, expr.ErrUndefined) {
		t.Errorf("a name without an Env: %v, want ErrUndefined", err)
	}
}

func TestAssignment(t *testing.T) {
	tests := []struct {
		src, name string
		ok        bool
	}{
		{"x = 3", "x", true},
		{"\u00a0 ab_1=1", "ab_1", true},
		{"ans = 1", "ans", true}, // an assignment, which Eval refuses
		{"x == 3", "", false},
		{"x + 1", "", false},
		{"3 = x", "", false},
		{"x", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if name, ok := expr.Assignment(tt.src); name != tt.name || ok != tt.ok {
			t.Errorf("Assignment(%q) = %q, %v; want %q, %v", tt.src, name, ok, tt.name, tt.ok)
		}
	}
}

func TestEnvSet(t *testing.T) {
	env := expr.NewEnv()
	for _, name := range []string{"ans", "", "1x", "x-y", "é"} {
		if env.Set(name, expr.MustParseValue("1")) {
			t.Errorf("Set(%q) accepted", name)
		}
	}
	if !env.Set("_x9", expr.MustParseValue("1/3")) {
		t.Fatal(`Set("_x9") refused`)
	}
	if v := eval2(t, "_x9 * 3", env); v != "1" {
		t.Errorf("_x9 * 3 = %s", v)
	}
}

func eval2(t *testing.T, src string, env *expr.Env) string {
	t.Helper()
	v, err := expr.Eval(src, expr.Options{Env: env})
	if err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	return v.String()
}

// TestEnvConcurrent shares one Env between goroutines that assign and
// read at once; run with -race.
func TestEnvConcurrent(t *testing.T) {
	env := expr.NewEnv()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("v%d", g)
			for i := range 50 {
				if _, err := expr.Eval(fmt.Sprintf("%s = %d", name, i), expr.Options{Env: env}); err != nil {
					t.Error(err)
					return
				}
				if got, err := expr.Eval(name+" + 0", expr.Options{Env: env}); err != nil || got.String() != fmt.Sprint(i) {
					t.Errorf("%s = %v, %v; want %d", name, got, err, i)
					return
				}
			}
		}()
	}
	wg.Wait()
	if env.Len() != 16 {
		t.Errorf("%d variables, want 16", env.Len())
	}
}

func ExampleEnv() {
	env := expr.NewEnv()
	for _, line := range []string{"rate = 7.5 / 100", "price = 80", "price * (1 + rate)"} {
		v, err := expr.Eval(line, expr.Options{Env: env})
		if err != nil {
			fmt.Println(err)
			continue
		}
		if name, ok := expr.Assignment(line); ok {
			fmt.Println(name, "set")
			continue
		}
		fmt.Println(v)
	}
	// Output:
	// rate set
	// price set
	// 86
}
