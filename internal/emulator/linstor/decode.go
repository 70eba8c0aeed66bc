package linstor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// javaTypes prefixes the generated class names the controller binds JSON to.
const javaTypes = "com.linbit.linstor.api.rest.v1.serializer.JsonGenTypes$"

// parseError is the entry the controller answers unparsable JSON with.
func parseError(details string) apiCallRc {
	return apiCallRc{RetCode: apiCallParseError, Message: "Unable to parse input json.", Details: details, report: true}
}

// decodeBody binds body to v like Jackson's plain ObjectMapper: unknown
// fields, wrong types, trailing data and an empty body are parse errors.
// class names the Java type in the error details.
func decodeBody(body []byte, v any, class string) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &rcError{rcs: []apiCallRc{parseError(
			"No content to map due to end-of-input")}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); !errors.Is(extra, io.EOF) {
			err = errors.New("trailing token after the JSON value")
		}
	}
	if err != nil {
		return &rcError{rcs: []apiCallRc{parseError(jacksonMessage(err, class))}}
	}
	return nil
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
