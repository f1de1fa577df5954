package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// flags is a flag.FlagSet whose every flag may also come from an environment
// variable. Values are parsed strictly whichever way they arrive: a bad one
// stops start-up with an error that names what was used (the variable or the
// flag) and the values it accepts. A flag given on the command line wins
// over its variable.
type flags struct {
	*flag.FlagSet
	getenv func(string) string
	env    map[string]string // flag name -> its variable
}

func newFlags(name string, getenv func(string) string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &flags{FlagSet: fs, getenv: getenv, env: map[string]string{}}
}

// value registers v as flag name, read from variable env when the flag is
// not given. The usage gets the variable appended.
func (f *flags) value(v flag.Value, name, env, usage string) {
	f.Var(v, name, fmt.Sprintf("%s ($%s)", usage, env))
	f.env[name] = env
}

func (f *flags) string(name, env, def, usage string) *string {
	p := new(string)
	*p = def
	f.value((*stringValue)(p), name, env, usage)
	return p
}

func (f *flags) bool(name, env string, def bool, usage string) *bool {
	p := new(bool)
	*p = def
	f.value((*boolValue)(p), name, env, usage)
	return p
}

func (f *flags) int(name, env string, def int, usage string) *int {
	p := new(int)
	*p = def
	f.value((*intValue)(p), name, env, usage)
	return p
}

func (f *flags) duration(name, env string, def time.Duration, usage string) *time.Duration {
	p := new(time.Duration)
	*p = def
	f.value((*durationValue)(p), name, env, usage)
	return p
}

func (f *flags) level(name, env string, def slog.Level, usage string) *slog.Level {
	p := new(slog.Level)
	*p = def
	if def == 0 {
		// PrintDefaults leaves out a default equal to the type's zero
		// value, and slog's zero is info.
		usage += fmt.Sprintf(" (default %s)", (*levelValue)(p))
	}
	f.value((*levelValue)(p), name, env, usage)
	return p
}

// parse reads the environment, then the command line. A variable that is
// set but empty counts as unset.
func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		// The flag package has printed the error and the usage already.
		return shownError{err}
	}
	given := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var errs []error
	f.VisitAll(func(fl *flag.Flag) {
		env := f.env[fl.Name]
		if env == "" || given[fl.Name] {
			return
		}
		raw := f.getenv(env)
		if raw == "" {
			return
		}
		if err := fl.Value.Set(raw); err != nil {
			errs = append(errs, fmt.Errorf("invalid value %q for %s: %v", raw, env, err))
		}
	})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if f.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", f.Arg(0))
	}
	return nil
}

// shownError is an error already printed to the user (by the flag package,
// with the usage): main exits without printing it again.
type shownError struct{ error }

func (e shownError) Unwrap() error { return e.error }

// given reports whether the value of flag name came from the command line
// or its variable, rather than the default.
func (f *flags) given(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set || f.getenv(f.env[name]) != ""
}

// source names where flag name's value came from, for error messages: the
// variable when only it was set, else the flag.
func (f *flags) source(name string) string {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	if !set && f.getenv(f.env[name]) != "" {
		return f.env[name]
	}
	return "-" + name
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type boolValue bool

// Set accepts exactly true, false, 1 and 0 (in any case for the words).
func (v *boolValue) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "1":
		*v = true
	case "false", "0":
		*v = false
	default:
		return errors.New("want true or false (or 1 or 0)")
	}
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return errors.New("want a whole number, 0 or more")
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return errors.New("want a duration such as 30s, 5m or 1h30m, 0 or more")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

type levelValue slog.Level

func (v *levelValue) Set(s string) error {
	switch strings.ToLower(s) {
	case "debug":
		*v = levelValue(slog.LevelDebug)
	case "info":
		*v = levelValue(slog.LevelInfo)
	case "warn":
		*v = levelValue(slog.LevelWarn)
	case "error":
		*v = levelValue(slog.LevelError)
	default:
		return errors.New("want debug, info, warn or error")
	}
	return nil
}
func (v *levelValue) String() string { return strings.ToLower(slog.Level(*v).String()) }
