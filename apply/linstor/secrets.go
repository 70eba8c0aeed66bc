package linstor

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
)

// A remote's secrets never leave the driver: plans compare a keyed hash of
// each one. The hash is HMAC-SHA-256 of the secret's value, keyed with
// SHA-256("lingate/remote-credentials/v1" NUL environment NUL remote), the
// first 16 bytes in hex. The key is derived, not secret: it keeps equal
// secrets of different remotes and environments from hashing alike, and
// the hash of a long random key (S3 keys, passphrases) cannot be turned
// back into it; a short, guessable secret could be found by trying values
// against the hash, which is why it is stored on the controller only.
const hashKeyLabel = "lingate/remote-credentials/v1"

// secretHash is the keyed hash of value for a remote of env.
func secretHash(env, remote, value string) string {
	key := sha256.Sum256([]byte(hashKeyLabel + "\x00" + env + "\x00" + strings.ToUpper(remote)))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(value))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil)[:16])
}

// secretLine is one "field: $VARIABLE" line of a .secrets file.
type secretLine struct{ field, variable, hash string }

// parseSecrets reads a .secrets file as compile writes it (optionally with
// hashes after the variables).
func parseSecrets(data []byte) ([]secretLine, error) {
	var out []secretLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line == "no credentials" {
			continue
		}
		field, rest, ok := strings.Cut(line, ": $")
		if !ok {
			return nil, fmt.Errorf("secrets file line %q: expected \"field: $VARIABLE\"", line)
		}
		variable, hash, _ := strings.Cut(rest, " ")
		out = append(out, secretLine{field: field, variable: variable, hash: hash})
	}
	return out, sc.Err()
}

func formatSecrets(lines []secretLine) []byte {
	if len(lines) == 0 {
		return []byte("no credentials\n")
	}
	slices.SortFunc(lines, func(a, b secretLine) int { return strings.Compare(a.field, b.field) })
	var b bytes.Buffer
	for _, l := range lines {
		fmt.Fprintf(&b, "%s: $%s", l.field, l.variable)
		if l.hash != "" {
			b.WriteString(" " + l.hash)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// secretValues reads the variables a remote's .secrets file names, by
// LINSTOR field, or names the variable that is missing or empty.
func (d *Driver) secretValues(remote string, lines []secretLine) (map[string]string, error) {
	out := map[string]string{}
	for _, l := range lines {
		v := d.getenv(l.variable)
		if v == "" {
			return nil, fmt.Errorf("variable %s (the %s of remote %s) is not set or empty: set it in the environment lingate runs in", l.variable, l.field, remote)
		}
		out[l.field] = v
		d.secretsMu.Lock()
		if !slices.Contains(d.secrets, v) {
			d.secrets = append(d.secrets, v)
		}
		d.secretsMu.Unlock()
	}
	return out, nil
}

// Resolve adds to each remote of desired the keyed hash of its secrets as
// the variables hold them now, so that a plan shows a rotated secret as a
// changed hash (and never the value). A variable that is missing or empty
// is an error naming it.
func (d *Driver) Resolve(_ context.Context, desired []artifact.Object) ([]artifact.Object, error) {
	out := slices.Clone(desired)
	for i, o := range out {
		if o.Kind != artifact.KindRemote {
			continue
		}
		files := slices.Clone(o.Files)
		for j, f := range files {
			if f.Path != cl.SecretsPath(o.Name) {
				continue
			}
			data, err := d.hashSecrets(o.Name, f.Data)
			if err != nil {
				return nil, fmt.Errorf("linstor remote %s: %w", o.Name, err)
			}
			files[j].Data = data
		}
		out[i].Files = files
	}
	return out, nil
}

// hashSecrets is a .secrets file with each variable's keyed hash.
func (d *Driver) hashSecrets(remote string, data []byte) ([]byte, error) {
	lines, err := parseSecrets(data)
	if err != nil {
		return nil, err
	}
	values, err := d.secretValues(remote, lines)
	if err != nil {
		return nil, err
	}
	for i := range lines {
		lines[i].hash = secretHash(d.env, remote, values[lines[i].field])
	}
	return formatSecrets(lines), nil
}
