package schema

import (
	"testing"
	"testing/fstest"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/lingate/lingate/internal/testgen"
)

// The target: validating 1,000 products and 3,000 roles costs at
// most 1.5x a plain `cue export` of the same files. BenchmarkCueExport is
// that export done in-process (parse, build, check concrete, marshal JSON);
// bench/validate.sh compares the two CLIs as well.
var scale = testgen.Size{Products: 1000, Roles: 3000}

func BenchmarkValidate(b *testing.B) {
	fsys := testgen.MapFS(testgen.Files(scale))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(fsys, "policies"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCueExport(b *testing.B) {
	fsys := testgen.MapFS(testgen.Files(scale))
	b.ReportAllocs()
	for b.Loop() {
		if err := cueExport(fsys); err != nil {
			b.Fatal(err)
		}
	}
}

// cueExport does what `cue export` does with the files: no schema.
func cueExport(fsys fstest.MapFS) error {
	files, errs := readFiles(fsys, "policies")
	if len(errs) > 0 {
		return errs
	}
	inst := build.NewContext().NewInstance("policies", nil)
	for _, f := range files {
		a, err := parser.ParseFile(f.name, f.data)
		if err != nil {
			return err
		}
		if err := inst.AddSyntax(a); err != nil {
			return err
		}
	}
	v := cuecontext.New().BuildInstance(inst)
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return err
	}
	_, err := v.MarshalJSON()
	return err
}
