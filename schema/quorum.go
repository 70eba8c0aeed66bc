package schema

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Quorum is DRBD's quorum setting: "off", "majority", "all" or a node count,
// held as the text LINSTOR stores.
type Quorum string

// UnmarshalJSON accepts a string or a whole number.
func (q *Quorum) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err == nil {
		*q = Quorum(strconv.FormatInt(n, 10))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("quorum: want a string or a number, got %s", b)
	}
	*q = Quorum(s)
	return nil
}
