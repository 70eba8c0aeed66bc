package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lingate/lingate/internal/atomicfile"
)

// SaveJSON writes v as indented JSON to path atomically: it writes a
// temporary file in the same folder, syncs it and renames it over path, so a
// reader never sees half a state file.
func SaveJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("state %s: encode: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	if err := atomicfile.Write(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	return nil
}

// LoadJSON reads path into v. It reports false, and no error, when the file
// does not exist yet.
func LoadJSON(path string, v any) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("state %s: %w", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("state %s: decode: %w", path, err)
	}
	return true, nil
}
