package gitsrc

import (
	"errors"
	"fmt"

	"github.com/lingate/lingate/schema"
)

// Locate says at which commit err happened. Problems in the policies
// (schema.Errors, schema.Error) keep their form, with the commit in their
// Commit field (shown before the file, "<short sha>:policies/x.cue", so
// that `git show` opens it); other errors are wrapped with "<label> <short
// sha>". Errors already located are left alone.
func Locate(err error, c Commit, label string) error {
	if err == nil {
		return nil
	}
	var errs schema.Errors
	if errors.As(err, &errs) {
		return LocateAll(errs, c)
	}
	var one schema.Error
	if errors.As(err, &one) {
		return LocateAll(schema.Errors{one}, c)
	}
	return fmt.Errorf("%s %s: %w", label, c.Short(), err)
}

// LocateAll puts every problem of errs (or warning) at commit c.
func LocateAll(errs schema.Errors, c Commit) schema.Errors {
	out := make(schema.Errors, len(errs))
	for i, e := range errs {
		if e.Commit == "" {
			e.Commit = c.Short()
		}
		out[i] = e
	}
	return out
}
