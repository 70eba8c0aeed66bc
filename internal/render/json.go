package render

import (
	"encoding/json"
	"io"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/internal/access"
)

// JSON writes the plan as the versioned plan JSON (format_version 1):
// source, changes and summary, indented, with a trailing newline.
func JSON(w io.Writer, p Plan) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		apply.Document
		Access []access.Change `json:"access_changes,omitempty"`
	}{apply.NewDocument(p.Source(), p.Changes), p.Access})
}
