package schema

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
)

// decode fills the Go value rv points to from the concrete value v, by the
// fields' json names. Unlike cue.Value.Decode and MarshalJSON it looks fields
// up by name rather than iterating them, which spares CUE from ordering the
// fields of every struct (the most expensive part of both).
func decode(v cue.Value, rv reflect.Value) error {
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			rv.Set(reflect.New(rv.Type().Elem()))
		}
		return decode(v, rv.Elem())
	case reflect.Struct:
		return decodeStruct(v, rv)
	case reflect.Slice:
		return decodeList(v, rv)
	case reflect.Map:
		return decodeMap(v, rv)
	case reflect.String:
		return decodeString(v, rv)
	case reflect.Int:
		n, err := v.Int64()
		if err != nil {
			return &decodeError{v: v, msg: fmt.Sprintf("invalid value %v (expected a whole number from %d to %d)", v, math.MinInt64, math.MaxInt64)}
		}
		rv.SetInt(n)
		return nil
	case reflect.Bool:
		b, err := v.Bool()
		rv.SetBool(b)
		return err
	}
	return fmt.Errorf("%v: cannot decode into %v", v.Path(), rv.Type())
}

func decodeStruct(v cue.Value, rv reflect.Value) error {
	t := rv.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fv := v.LookupPath(cue.MakePath(cue.Str(name)))
		if !fv.Exists() {
			continue
		}
		if err := decode(fv, rv.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func decodeList(v cue.Value, rv reflect.Value) error {
	it, err := v.List()
	if err != nil {
		return err
	}
	out := reflect.MakeSlice(rv.Type(), 0, 4)
	for it.Next() {
		elem := reflect.New(rv.Type().Elem()).Elem()
		if err := decode(it.Value(), elem); err != nil {
			return err
		}
		out = reflect.Append(out, elem)
	}
	rv.Set(out)
	return nil
}

func decodeMap(v cue.Value, rv reflect.Value) error {
	it, err := v.Fields()
	if err != nil {
		return err
	}
	out := reflect.MakeMap(rv.Type())
	for it.Next() {
		elem := reflect.New(rv.Type().Elem()).Elem()
		if err := decode(it.Value(), elem); err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(it.Selector().Unquoted()).Convert(rv.Type().Key()), elem)
	}
	rv.Set(out)
	return nil
}

// decodeError is a valid CUE value that the Go model cannot hold, such as
// an integer beyond 64 bits.
type decodeError struct {
	v   cue.Value
	msg string
}

func (e *decodeError) Error() string { return e.v.Path().String() + ": " + e.msg }

// decodeString takes a string, or a whole number as its decimal text (as
// DRBD's quorum may be). A value the user left to a default of their own
// (*2 | "off") is a disjunction whose kind only its default tells.
func decodeString(v cue.Value, rv reflect.Value) error {
	if v.Kind() == cue.BottomKind {
		v, _ = v.Default()
	}
	if v.Kind() == cue.IntKind {
		n, err := v.Int64()
		rv.SetString(strconv.FormatInt(n, 10))
		return err
	}
	s, err := v.String()
	rv.SetString(s)
	return err
}
