package gitsrc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lingate/lingate/schema"
)

// Locate says at which commit err happened. Problems in the policies
// (schema.Errors, schema.Error) keep their form, with every file named as
// git names a file at a commit, "<short sha>:policies/x.cue", so that
// `git show` opens it (a problem with no file is put at "<short sha>");
// other errors are wrapped with "<label> <short sha>".
// Errors already located are left alone.
func Locate(err error, c Commit, label string) error {
	if err == nil {
		return nil
	}
	var errs schema.Errors
	if errors.As(err, &errs) {
		return locateAll(errs, c)
	}
	var one schema.Error
	if errors.As(err, &one) {
		return locateAll(schema.Errors{one}, c)
	}
	return fmt.Errorf("%s %s: %w", label, c.Short(), err)
}

func locateAll(errs schema.Errors, c Commit) schema.Errors {
	out := make(schema.Errors, len(errs))
	for i, e := range errs {
		e.Pos = locatePos(e.Pos, c)
		if len(e.Related) > 0 {
			rel := make([]schema.Position, len(e.Related))
			for j, p := range e.Related {
				rel[j] = locatePos(p, c)
			}
			e.Related = rel
		}
		out[i] = e
	}
	return out
}

func locatePos(p schema.Position, c Commit) schema.Position {
	prefix := c.Short() + ":"
	switch {
	case !p.IsValid():
		p = schema.Position{File: c.Short()}
	case !strings.HasPrefix(p.File, prefix) && p.File != c.Short():
		p.File = prefix + p.File
	}
	return p
}
