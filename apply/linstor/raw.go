package linstor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
)

// do sends one request that golinstor cannot express (its omitempty tags
// cannot send false, an empty list or an empty description, and its
// ResourceGroup loses whether diskless_on_remaining was set) through the
// same authenticated, retrying HTTP client, and answers errors as golinstor
// does: client.NotFoundError for 404, client.ApiCallError for LINSTOR's
// error entries.
func (d *Driver) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encode: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base.JoinPath(path).String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return client.NotFoundError
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		var rcs client.ApiCallError
		if json.Unmarshal(data, &rcs) == nil && len(rcs) > 0 {
			return rcs
		}
		return &apply.StatusError{Status: resp.StatusCode, Message: short([]byte(d.creds.redact(string(data))))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
	}
	return nil
}

// short returns the start of a body for an error message.
func short(data []byte) string {
	s := string(bytes.TrimSpace(data))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// notFound reports whether err is LINSTOR's (or golinstor's) "not found".
func notFound(err error) bool { return errors.Is(err, client.NotFoundError) }
