package linstor

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// coerce rewrites the scalars of a JSON tree (read with UseNumber) into what
// t expects, as a plain Jackson ObjectMapper does by default
// (MapperFeature.ALLOW_COERCION_OF_SCALARS and
// DeserializationFeature.ACCEPT_FLOAT_AS_INT are on):
//
//   - a String for a number or boolean field is parsed ("3" is 3, "true",
//     "True" and "TRUE" are true); "" is null, so a primitive gets its
//     default and a wrapper (a Go pointer) stays unset;
//   - a number with a fraction or exponent for an integer field is truncated;
//   - a number or boolean for a String field is its text.
//
// Anything else keeps its JSON type, and binding reports the mismatch.
// Pointers stand for Java wrapper types, plain values for primitives.
func coerce(v any, t reflect.Type, wrapper bool) (any, error) {
	for t.Kind() == reflect.Pointer {
		t, wrapper = t.Elem(), true
	}
	switch t.Kind() {
	case reflect.Struct:
		return coerceObject(v, func(k string) (reflect.Type, bool) {
			f, ok := fieldByTag(t, k)
			return f.Type, ok
		})
	case reflect.Map:
		return coerceObject(v, func(string) (reflect.Type, bool) { return t.Elem(), true })
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return v, nil
		}
		for i, e := range arr {
			c, err := coerce(e, t.Elem(), false)
			if err != nil {
				return nil, err
			}
			arr[i] = c
		}
		return arr, nil
	}
	return coerceScalar(v, t, wrapper)
}

func coerceObject(v any, fieldType func(string) (reflect.Type, bool)) (any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return v, nil
	}
	for k, e := range obj {
		ft, ok := fieldType(k)
		if !ok {
			continue
		}
		c, err := coerce(e, ft, false)
		if err != nil {
			return nil, err
		}
		obj[k] = c
	}
	return obj, nil
}

// coerceScalar converts one scalar to the kind of t.
func coerceScalar(v any, t reflect.Type, wrapper bool) (any, error) {
	switch x := v.(type) {
	case string:
		return stringTo(x, t, wrapper)
	case json.Number:
		if t.Kind() == reflect.String {
			return x.String(), nil
		}
		if isInt(t) && strings.ContainsAny(x.String(), ".eE") {
			f, err := x.Float64()
			if err != nil {
				return nil, err
			}
			return intInRange(math.Trunc(f), x.String(), t)
		}
	case bool:
		if t.Kind() == reflect.String {
			return strconv.FormatBool(x), nil
		}
	}
	return v, nil
}

// stringTo parses a String for a number or boolean field.
func stringTo(s string, t reflect.Type, wrapper bool) (any, error) {
	if !isInt(t) && !isFloat(t) && t.Kind() != reflect.Bool {
		return s, nil
	}
	if s == "" {
		if wrapper {
			return nil, nil
		}
		return reflect.Zero(t).Interface(), nil
	}
	switch {
	case isInt(t):
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, t.Bits())
		if err != nil {
			return nil, notValid(t, s)
		}
		return n, nil
	case isFloat(t):
		f, err := strconv.ParseFloat(strings.TrimSpace(s), t.Bits())
		if err != nil {
			return nil, notValid(t, s)
		}
		return f, nil
	}
	switch s {
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return nil, jacksonError(fmt.Sprintf("Cannot deserialize value of type `%s` from String %q: only \"true\" or \"false\" recognized",
		javaType(t, wrapper), s))
}

func intInRange(f float64, text string, t reflect.Type) (any, error) {
	limit := math.Ldexp(1, t.Bits()-1)
	if f < -limit || f >= limit {
		return nil, jacksonError(fmt.Sprintf("Numeric value (%s) out of range of %s", text, javaType(t, false)))
	}
	return int64(f), nil
}

func notValid(t reflect.Type, s string) error {
	return jacksonError(fmt.Sprintf("Cannot deserialize value of type `%s` from String %q: not a valid `%s` value",
		javaType(t, false), s, javaType(t, false)))
}

// jacksonError is a binding error worded as Jackson words it (clients may
// show it; the capitalised text is the server's).
type jacksonError string

func (e jacksonError) Error() string { return string(e) }

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

func isFloat(t reflect.Type) bool { return t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64 }

// javaType names the Java type a Go field stands for in error messages.
func javaType(t reflect.Type, wrapper bool) string {
	names := map[reflect.Kind][2]string{
		reflect.Int16: {"short", "java.lang.Short"}, reflect.Int32: {"int", "java.lang.Integer"},
		reflect.Int: {"int", "java.lang.Integer"}, reflect.Int64: {"long", "java.lang.Long"},
		reflect.Float32: {"float", "java.lang.Float"}, reflect.Float64: {"double", "java.lang.Double"},
		reflect.Bool: {"boolean", "java.lang.Boolean"},
	}
	n, ok := names[t.Kind()]
	if !ok {
		return t.String()
	}
	if wrapper {
		return n[1]
	}
	return n[0]
}
