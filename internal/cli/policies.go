package cli

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lingate/lingate/schema"
)

// loadPolicies loads the policies folder dir from disk. A folder inside the
// working directory keeps the path the user typed in positions; any other is
// read through its parent, so positions start with the folder's own name.
func loadPolicies(dir string) (*schema.Config, error) {
	fsys, sub := dirFS(dir)
	return schema.Load(fsys, sub)
}

func dirFS(dir string) (fs.FS, string) {
	clean := filepath.Clean(dir)
	if filepath.IsLocal(clean) || clean == "." {
		return os.DirFS("."), filepath.ToSlash(clean)
	}
	abs, err := filepath.Abs(clean)
	if err != nil {
		return os.DirFS("."), filepath.ToSlash(clean)
	}
	return os.DirFS(filepath.Dir(abs)), filepath.Base(abs)
}
