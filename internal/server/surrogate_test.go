package server

import "testing"

func TestLoneSurrogate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`{"title":"plain"}`, false},
		{`{"title":"\u00e9"}`, false},
		{`{"title":"\ud83d\ude00"}`, false}, // a pair: 😀
		{`{"title":"\uD83D\uDE00"}`, false},
		{`{"title":"\ud800"}`, true},
		{`{"title":"\udc00"}`, true},
		{`{"title":"\ud800x"}`, true},
		{`{"title":"\ud800\u0041"}`, true},
		{`{"title":"\\ud800"}`, false}, // an escaped backslash, then text
		{`{"title":"\"\ud800"}`, true},
		{`{"\ud800":1}`, true},
		{`{"title":"a"} \ud800`, false}, // outside a string: the decoder refuses it anyway
	} {
		if got := loneSurrogate([]byte(tc.in)); got != tc.want {
			t.Errorf("loneSurrogate(%s) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
