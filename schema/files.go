package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// srcFile is one policy file read from the policies folder.
type srcFile struct {
	name string // path.Join(dir, relative path), as positions show it
	data []byte
}

// readFiles returns every .cue file under dir in fsys, in lexical order.
// Symbolic links are refused, so nothing outside the folder can be read.
// Like CUE's loader, it skips files and folders whose names start with "."
// or "_".
func readFiles(fsys fs.FS, dir string) ([]srcFile, Errors) {
	var files []srcFile
	var errs Errors
	err := fs.WalkDir(fsys, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name != dir && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			errs = append(errs, symlinkError(fsys, dir, name))
			return nil
		}
		if d.IsDir() || path.Ext(name) != ".cue" {
			return nil
		}
		if !d.Type().IsRegular() {
			errs = append(errs, Error{Pos: Position{File: name}, Msg: "not a regular file"})
			return nil
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		files = append(files, srcFile{name: name, data: b})
		return nil
	})
	if err != nil {
		return nil, Errors{folderError(dir, err)}
	}
	if len(files) == 0 && len(errs) == 0 {
		return nil, Errors{{Pos: Position{File: dir}, Msg: "no .cue files in the policies folder (expected at least one file with \"package policies\")"}}
	}
	return files, errs
}

func folderError(dir string, err error) Error {
	if errors.Is(err, fs.ErrNotExist) {
		return Error{Pos: Position{File: dir}, Msg: "policies folder not found (expected a folder of .cue files; set it with --policies)"}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return Error{Pos: Position{File: pe.Path}, Msg: pe.Err.Error()}
	}
	return Error{Pos: Position{File: dir}, Msg: err.Error()}
}

// symlinkError explains why the link at name is refused.
func symlinkError(fsys fs.FS, dir, name string) Error {
	target, err := fs.ReadLink(fsys, name)
	if err != nil {
		return Error{Pos: Position{File: name}, Msg: "symbolic links are not followed"}
	}
	resolved := path.Join(path.Dir(name), target)
	if path.IsAbs(target) || !inside(dir, resolved) {
		return Error{Pos: Position{File: name}, Msg: fmt.Sprintf("symbolic link to %q points outside the policies folder (refused)", target)}
	}
	return Error{Pos: Position{File: name}, Msg: fmt.Sprintf("symbolic link to %q is not followed (expected a regular file: copy it or move it here)", target)}
}

// inside reports whether the cleaned slash path p lies within dir.
func inside(dir, p string) bool {
	if dir == "." {
		return p != ".." && !strings.HasPrefix(p, "../")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
