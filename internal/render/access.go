package render

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lingate/lingate/internal/access"
)

// accessColumns are the matrix's columns, in every format.
var accessColumns = []string{"env", "claim", "group", "role", "product", "auth", "method", "path", "scopes", "quota", "spike arrest", "tier", "resource group", "replicas", "pools", "replicas on different", "encrypted", "backup to", "backup schedule", "backup retention", "target"}

// accessCells are a row's values, in column order.
func accessCells(r access.Row) []string {
	return []string{r.Env, r.Claim, r.Group, r.Role, r.Product, r.Auth, r.Method, r.Path,
		strings.Join(r.Scopes, " "), r.Quota.String(), r.SpikeArrest, r.Tier, r.ResourceGroup,
		strconv.Itoa(r.Replicas), strings.Join(r.Pools, " "), strings.Join(r.Zones, " "), strconv.FormatBool(r.Encrypted),
		r.Backup.Destination(), r.Backup.Schedule(), r.Backup.Retention(), r.Target}
}

// AccessText writes the matrix as an aligned table for people; control
// characters in values are shown as escapes.
func AccessText(w io.Writer, m access.Matrix) error {
	if len(m.Rows) == 0 {
		_, err := fmt.Fprintln(w, "No access: no role reaches an operation here.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(accessColumns, "\t")))
	for _, r := range m.Rows {
		cells := accessCells(r)
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(Printable(c), "\t", `\t`)
			if cells[i] == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// AccessMarkdown writes the matrix as a markdown table for pull requests;
// every value is inline code.
func AccessMarkdown(w io.Writer, m access.Matrix) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "### Access matrix (%s)\n\n", plural(len(m.Rows), "row"))
	if len(m.Rows) > 0 {
		fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(accessColumns, " | "), strings.Repeat(" --- |", len(accessColumns)))
		for _, r := range m.Rows {
			cells := accessCells(r)
			for i, c := range cells {
				if c != "" {
					cells[i] = cell(c)
				}
			}
			fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
		}
	}
	return b.Flush()
}

// AccessCSV writes the matrix as CSV (RFC 4180) with a header line, for
// auditors' tools.
func AccessCSV(w io.Writer, m access.Matrix) error {
	c := csv.NewWriter(w)
	_ = c.Write(accessColumns)
	for _, r := range m.Rows {
		cells := accessCells(r)
		for i, v := range cells {
			if strings.HasPrefix(v, "=") || strings.HasPrefix(v, "+") || strings.HasPrefix(v, "-") || strings.HasPrefix(v, "@") {
				cells[i] = "'" + v // no formula injection in spreadsheets
			}
		}
		_ = c.Write(cells)
	}
	c.Flush()
	return c.Error()
}

// AccessJSON writes the matrix as one JSON object, {"rows": [...]}.
func AccessJSON(w io.Writer, m access.Matrix) error {
	if m.Rows == nil {
		m.Rows = []access.Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}
