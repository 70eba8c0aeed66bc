// Command gen writes a generated policy repository for benchmarks:
//
//	go run ./bench/gen -products 1000 -roles 3000 -tiers 52 -out /tmp/repo
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/lingate/lingate/internal/testgen"
)

func main() {
	products := flag.Int("products", 1000, "number of products")
	roles := flag.Int("roles", 3000, "number of roles")
	tiers := flag.Int("tiers", 3, "number of storage tiers (at least 3)")
	out := flag.String("out", "", "folder to write policies/ into")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	files := testgen.Files(testgen.Size{Products: *products, Roles: *roles, Tiers: *tiers})
	if err := testgen.WriteDir(*out, files); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
