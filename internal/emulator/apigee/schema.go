package apigee

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// The JSON bodies Apigee accepts are protobuf messages: unknown fields and
// values of the wrong type are rejected with a 400, and on output fields at
// their default value ("" / false / empty list) are left out. message and
// field describe enough of each message to behave the same way.

type kind int

const (
	kindString kind = iota
	kindBool
	kindInt64
	kindInt32
	kindMessage
)

type field struct {
	kind     kind
	repeated bool
	msg      *message
	readOnly bool // accepted on input, dropped: the server sets it
}

type message struct {
	typeName string
	fields   map[string]field
}

func fString() field         { return field{kind: kindString} }
func fStrings() field        { return field{kind: kindString, repeated: true} }
func fBool() field           { return field{kind: kindBool} }
func fReadOnly() field       { return field{kind: kindInt64, readOnly: true} }
func fInt32() field          { return field{kind: kindInt32} }
func fMsg(m *message) field  { return field{kind: kindMessage, msg: m} }
func fMsgs(m *message) field { return field{kind: kindMessage, repeated: true, msg: m} }
func msg(name string, fs map[string]field) *message {
	return &message{typeName: "google.cloud.apigee.v1." + name, fields: fs}
}

// productSchema is GoogleCloudApigeeV1ApiProduct (discovery 20261006).
func productSchema() *message {
	attr := msg("Attribute", map[string]field{"name": fString(), "value": fString()})
	quota := msg("Quota", map[string]field{"interval": fString(), "limit": fString(), "timeUnit": fString()})
	config := func(name string, ops *message, extra map[string]field) *message {
		fs := map[string]field{"apiSource": fString(), "attributes": fMsgs(attr), "quota": fMsg(quota)}
		if ops != nil {
			fs["operations"] = fMsgs(ops)
		}
		for k, f := range extra {
			fs[k] = f
		}
		return msg(name, fs)
	}
	group := func(name string, cfg *message, typed bool) *message {
		fs := map[string]field{"operationConfigs": fMsgs(cfg)}
		if typed {
			fs["operationConfigType"] = fString()
		}
		return msg(name, fs)
	}
	op := msg("Operation", map[string]field{"resource": fString(), "methods": fStrings()})
	gqlOp := msg("GraphQLOperation", map[string]field{"operation": fString(), "operationTypes": fStrings()})
	grpc := config("GrpcOperationConfig", nil, map[string]field{"service": fString(), "methods": fStrings()})
	payloadOp := msg("PayloadOperation", map[string]field{"operation": fString()})
	llmOp := msg("LlmOperation", map[string]field{"resource": fString(), "methods": fStrings(), "model": fString()})
	llmQuota := msg("LlmTokenQuota", map[string]field{"interval": fString(), "limit": fString(), "timeUnit": fString()})
	llmCfg := msg("LlmOperationConfig", map[string]field{
		"apiSource": fString(), "attributes": fMsgs(attr), "llmOperations": fMsgs(llmOp), "llmTokenQuota": fMsg(llmQuota),
	})
	return msg("ApiProduct", map[string]field{
		"name": fString(), "displayName": fString(), "description": fString(), "approvalType": fString(),
		"attributes": fMsgs(attr), "environments": fStrings(), "proxies": fStrings(), "apiResources": fStrings(),
		"scopes": fStrings(), "quota": fString(), "quotaInterval": fString(), "quotaTimeUnit": fString(),
		"quotaCounterScope": fString(), "space": fString(),
		"llmQuota": fString(), "llmQuotaInterval": fString(), "llmQuotaTimeUnit": fString(),
		"operationGroup":        fMsg(group("OperationGroup", config("OperationConfig", op, nil), true)),
		"graphqlOperationGroup": fMsg(group("GraphQLOperationGroup", config("GraphQLOperationConfig", gqlOp, nil), true)),
		"grpcOperationGroup":    fMsg(group("GrpcOperationGroup", grpc, false)),
		"payloadOperationGroup": fMsg(group("PayloadOperationGroup", config("PayloadOperationConfig", payloadOp, nil), false)),
		"llmOperationGroup":     fMsg(group("LlmOperationGroup", llmCfg, false)),
		"createdAt":             fReadOnly(), "lastModifiedAt": fReadOnly(),
	})
}

// targetServerSchema is GoogleCloudApigeeV1TargetServer (discovery
// 20261006); its TLS settings travel under the odd JSON name "sSLInfo".
func targetServerSchema() *message {
	cn := msg("TlsInfoCommonName", map[string]field{"value": fString(), "wildcardMatch": fBool()})
	tls := msg("TlsInfo", map[string]field{
		"enabled": fBool(), "enforce": fBool(), "clientAuthEnabled": fBool(), "keyStore": fString(), "keyAlias": fString(),
		"trustStore": fString(), "ignoreValidationErrors": fBool(), "protocols": fStrings(), "ciphers": fStrings(), "commonName": fMsg(cn),
	})
	return msg("TargetServer", map[string]field{
		"name": fString(), "host": fString(), "port": fInt32(), "isEnabled": fBool(), "protocol": fString(),
		"description": fString(), "sSLInfo": fMsg(tls),
	})
}

func kvmSchema() *message {
	return msg("KeyValueMap", map[string]field{"name": fString(), "encrypted": fBool(), "maskedValues": fBool()})
}

func entrySchema() *message {
	return msg("KeyValueEntry", map[string]field{"name": fString(), "value": fString()})
}

// decodeBody parses a request body as the message, answering Google's
// errors for bad JSON, unknown fields and wrong types. root names the
// message in those errors (e.g. "api_product"). An empty body is {}.
func decodeBody(m *message, root string, body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, badField(root, "Invalid JSON payload received. %v", err)
	}
	if d.Decode(new(any)) != io.EOF {
		return nil, badField(root, "Invalid JSON payload received. Unexpected data after the message.")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, badField(root, "Invalid JSON payload received. Root element must be a message.")
	}
	return m.normalize(root, obj)
}

func (m *message) normalize(path string, raw map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range sortedKeys(raw) {
		f, ok := m.fields[k]
		if !ok {
			return nil, badField(path, "Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", k, path)
		}
		if raw[k] == nil || f.readOnly {
			continue
		}
		v, keep, err := f.value(path+"."+snake(k), raw[k])
		if err != nil {
			return nil, err
		}
		if keep {
			out[k] = v
		}
	}
	return out, nil
}

// value checks one field's JSON value; keep is false for default values,
// which proto3 JSON leaves out.
func (f field) value(path string, v any) (any, bool, error) {
	if !f.repeated {
		return f.scalar(path, v)
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, false, f.invalid(path, v)
	}
	out := make([]any, 0, len(arr))
	for i, e := range arr {
		nv, _, err := f.scalar(fmt.Sprintf("%s[%d]", path, i), e)
		if err != nil {
			return nil, false, err
		}
		out = append(out, nv)
	}
	return out, len(out) > 0, nil
}

func (f field) scalar(path string, v any) (any, bool, error) {
	switch f.kind {
	case kindString:
		if s, ok := v.(string); ok {
			return s, s != "", nil
		}
	case kindBool:
		if b, ok := v.(bool); ok {
			return b, b, nil
		}
	case kindInt64:
		if n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64); err == nil {
			return strconv.FormatInt(n, 10), n != 0, nil
		}
	case kindInt32:
		if n, err := strconv.ParseInt(fmt.Sprint(v), 10, 32); err == nil {
			return int(n), n != 0, nil
		}
	case kindMessage:
		if obj, ok := v.(map[string]any); ok {
			nm, err := f.msg.normalize(path, obj)
			return nm, true, err
		}
	}
	return nil, false, f.invalid(path, v)
}

func (f field) invalid(path string, v any) error {
	label := map[kind]string{kindString: "TYPE_STRING", kindBool: "TYPE_BOOL", kindInt64: "TYPE_INT64", kindInt32: "TYPE_INT32"}[f.kind]
	if f.kind == kindMessage {
		label = "type.googleapis.com/" + f.msg.typeName
	}
	raw, _ := json.Marshal(v)
	return badField(path, "Invalid value at '%s' (%s), %s", path, label, raw)
}

// snake turns a JSON field name into the proto field name errors use.
func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
