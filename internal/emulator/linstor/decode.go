package linstor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// javaTypes prefixes the generated class names the controller binds JSON to.
const javaTypes = "com.linbit.linstor.api.rest.v1.serializer.JsonGenTypes$"

// parseError is the entry the controller answers unparsable JSON with.
func parseError(details string) apiCallRc {
	return apiCallRc{RetCode: apiCallParseError, Message: "Unable to parse input json.", Details: details, report: true}
}

// decodeBody binds the first JSON value of body to v like Jackson's plain
// ObjectMapper.readValue: unknown fields (names match case-sensitively),
// wrong types and an empty body are parse errors; whatever follows the first
// value is ignored (FAIL_ON_TRAILING_TOKENS is off by default); scalars are
// coerced as Jackson's defaults allow (see coerce). class names the Java
// type in the error details.
func decodeBody(body []byte, v any, class string) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &rcError{rcs: []apiCallRc{parseError(
			"No content to map due to end-of-input")}}
	}
	if err := decodeCoerced(body, v); err != nil {
		return &rcError{rcs: []apiCallRc{parseError(jacksonMessage(err, class))}}
	}
	return nil
}

// decodeCoerced reads the first JSON value of body, checks its field names,
// coerces its scalars to v's types and binds it to v.
func decodeCoerced(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return err
	}
	t := reflect.TypeOf(v)
	if err := checkNames(tree, t); err != nil {
		return err
	}
	tree, err := coerce(tree, t, false)
	if err != nil {
		return err
	}
	b, err := json.Marshal(tree)
	if err != nil {
		return err
	}
	strict := json.NewDecoder(bytes.NewReader(b))
	strict.DisallowUnknownFields()
	return strict.Decode(v)
}

// checkNames checks that every object key in v names a field of t with
// exactly that case. encoding/json binds "Name" to a "name" field; Jackson,
// matching case-sensitively, rejects it as unrecognized.
func checkNames(v any, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, _ := v.(map[string]any)
		for k, val := range obj {
			f, ok := fieldByTag(t, k)
			if !ok {
				return fmt.Errorf("json: unknown field %q", k)
			}
			if err := checkNames(val, f.Type); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, _ := v.([]any)
		for _, e := range arr {
			if err := checkNames(e, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		for _, e := range obj {
			if err := checkNames(e, t.Elem()); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldByTag finds the struct field whose JSON name is exactly name.
func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jacksonMessage words a decode error the way Jackson does where it matters
// to clients (unknown fields); other errors keep Go's wording.
func jacksonMessage(err error, class string) string {
	msg := err.Error()
	if field, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Sprintf("Unrecognized field %s (class %s%s), not marked as ignorable", field, javaTypes, class)
	}
	return msg
}
