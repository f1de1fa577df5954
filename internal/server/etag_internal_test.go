package server

import "testing"

func TestETagMatches(t *testing.T) {
	for _, c := range []struct {
		list       string
		weak, want bool
	}{
		{`"3"`, false, true},
		{`"3"`, true, true},
		{`W/"3"`, false, false}, // If-Match compares strongly
		{`W/"3"`, true, true},
		{`"1", "3"`, false, true},
		{`"1","2"`, false, false},
		{`*`, false, true},
		{` * `, true, true},
		{`3`, false, false}, // not an entity tag
		{``, false, false},
		{`"33"`, false, false},
	} {
		if got := etagMatches(c.list, `"3"`, c.weak); got != c.want {
			t.Errorf("etagMatches(%q, \"3\", weak %v) = %v, want %v", c.list, c.weak, got, c.want)
		}
	}
}
