package server

import "testing"

func TestBareEmail(t *testing.T) {
	for in, want := range map[string]string{
		"a@b.co":              "a@b.co",
		"Alice@Example.COM":   "alice@example.com",
		"  a@b.co\t":          "a@b.co",
		"first.last@b.co":     "first.last@b.co",
		"x <a@b.co>":          "",
		"<a@b.co>":            "",
		"a@b.co (c)":          "",
		"(c) a@b.co":          "",
		`"a b"@b.co`:          "",
		"a@b.co, c@d.co":      "",
		"a\x00@b.co":          "",
		"a@b.co\x00":          "",
		"a@b\x07.co":          "",
		"=?utf-8?q?x?= <a@b>": "",
		"":                    "",
		"not an email":        "",
	} {
		got, ok := bareEmail(in)
		if ok != (want != "") || got != want {
			t.Errorf("bareEmail(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
