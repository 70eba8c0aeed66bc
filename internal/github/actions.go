package github

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// SummaryLimit is GitHub's limit on a step's job summary (1 MiB); Summary
// keeps under it with a margin.
const SummaryLimit = 1 << 20

// SetOutput appends name=value to the $GITHUB_OUTPUT file at path, in the
// multi-line form with a random delimiter that value does not contain.
func SetOutput(path, name, value string) error {
	if path == "" {
		return nil
	}
	delim, err := delimiter(value)
	if err != nil {
		return err
	}
	return appendFile(path, "GITHUB_OUTPUT", fmt.Sprintf("%s<<%s\n%s\n%s\n", name, delim, strings.TrimSuffix(value, "\n"), delim))
}

func delimiter(value string) (string, error) {
	for {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("GITHUB_OUTPUT: delimiter: %w", err)
		}
		d := "ghadelimiter_" + hex.EncodeToString(b)
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
}

// WriteSummary appends markdown to the $GITHUB_STEP_SUMMARY file at path,
// cut (as a comment is split, never inside a code block or <details>) to
// stay under GitHub's 1 MiB, with a note saying so.
func WriteSummary(path, markdown string) error {
	if path == "" {
		return nil
	}
	const note = "\n\n> [!WARNING]\n> The plan is longer than a job summary may be (1 MiB): the rest is in the step's `plan-json` output and in the pull request comment.\n"
	if len(markdown) > SummaryLimit-4096 {
		markdown = Split(markdown, SummaryLimit-4096)[0] + note
	}
	return appendFile(path, "GITHUB_STEP_SUMMARY", markdown+"\n")
}

func appendFile(path, what, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	_, werr := f.WriteString(text)
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("%s %s: %w", what, path, werr)
	}
	return nil
}
