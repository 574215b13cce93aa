package expr

import "sync"

// Env holds the variables of a series of evaluations: the names an
// assignment ("x = 3") sets and later expressions read. It is safe for
// use by several goroutines at once. The zero Env is not usable; call
// NewEnv.
type Env struct {
	mu   sync.RWMutex
	vars map[string]Value
}

// NewEnv returns an Env with no variables.
func NewEnv() *Env { return &Env{vars: map[string]Value{}} }

// Get returns the value of the variable name and whether it is set.
func (e *Env) Get(name string) (Value, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	v, ok := e.vars[name]
	return v, ok
}

// Set sets the variable name to v. It reports false, and sets nothing,
// when name cannot be a variable: it must be a name as the grammar has
// them (a letter or "_", then letters, digits and "_") other than "ans"
// and the functions' names.
func (e *Env) Set(name string, v Value) bool {
	if !validName(name) {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vars[name] = v.norm()
	return true
}

// Len returns the number of variables set.
func (e *Env) Len() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.vars)
}

func validName(s string) bool {
	if s == "" || s == ansName || isFunction(s) || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// Assignment reports whether src is an assignment ("x = 3"), and of which
// name, by its form alone, as Eval reads it: a name, then a single "=". A
// program that prints results, as the calculator does, may print nothing
// for one, as bc does.
func Assignment(src string) (name string, ok bool) {
	p := parser{src: src}
	p.next()
	name, _, ok = p.assignment()
	return name, ok
}
