package apigee

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/lingate/lingate/apply"
)

// maxAnswer bounds what a raw call reads of an answer.
const maxAnswer = 64 << 20

// raw sends one request that the generated client cannot make (bundle
// import and export) with the driver's authenticated client, and returns
// the answer's body, or an *apply.StatusError with the API's message.
func (d *Driver) raw(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error) {
	u := d.root + "v1/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, statusError(resp, data)
	}
	return data, nil
}

// statusError reads Google's error body: {"error":{"code","message"}}.
func statusError(resp *http.Response, data []byte) error {
	var body struct {
		Error struct {
			Message string `json:"message"`
			Details []any  `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(data, &body)
	return &apply.StatusError{Status: resp.StatusCode, Message: withViolations(body.Error.Message, body.Error.Details), RetryAfter: apply.RetryAfter(resp.Header)}
}
