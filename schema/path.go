package schema

import "cuelang.org/go/cue"

// Path builds a CUE path for Config.Pos and Config.Errorf from field names
// (strings, quoted as CUE needs, e.g. products."pay-v1") and list indexes (ints).
func Path(elems ...any) string {
	sels := make([]cue.Selector, 0, len(elems))
	for _, e := range elems {
		switch e := e.(type) {
		case int:
			sels = append(sels, cue.Index(e))
		case string:
			sels = append(sels, cue.Str(e))
		}
	}
	return cue.MakePath(sels...).String()
}
