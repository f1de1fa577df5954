package auth

import (
	"strings"
	"testing"
)

func TestHashPassword(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h[:strings.LastIndex(h, "$")], "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(got, want) {
		t.Fatalf("hash %q does not start with %q", h, want)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatal("hash contains the password")
	}
	ok, err := VerifyPassword(h, "correct horse")
	if err != nil || !ok {
		t.Fatalf("VerifyPassword(right) = %v, %v; want true, nil", ok, err)
	}
	ok, err = VerifyPassword(h, "correct horsE")
	if err != nil || ok {
		t.Fatalf("VerifyPassword(wrong) = %v, %v; want false, nil", ok, err)
	}
	h2, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	t.Parallel()
	for _, h := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=19456,t=2,p=1$dCRzHrQXSxjZqas128/SAA$UFzTdBqRYJiPp9kdjYtogHMIdphEu+qtmhJOeavJlSE",
		"$argon2id$v=18$m=19456,t=2,p=1$dCRzHrQXSxjZqas128/SAA$UFzTdBqRYJiPp9kdjYtogHMIdphEu+qtmhJOeavJlSE",
		"$argon2id$v=19$m=99999999,t=2,p=1$dCRzHrQXSxjZqas128/SAA$UFzTdBqRYJiPp9kdjYtogHMIdphEu+qtmhJOeavJlSE",
		"$argon2id$v=19$m=19456,t=0,p=1$dCRzHrQXSxjZqas128/SAA$UFzTdBqRYJiPp9kdjYtogHMIdphEu+qtmhJOeavJlSE",
		"$argon2id$v=19$m=19456,t=2,p=1$!!!$UFzTdBqRYJiPp9kdjYtogHMIdphEu+qtmhJOeavJlSE",
		"$argon2id$v=19$m=19456,t=2,p=1$dCRzHrQXSxjZqas128/SAA$",
	} {
		if ok, err := VerifyPassword(h, "x"); err == nil || ok {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, error", h, ok, err)
		}
	}
}

func TestDummyHashIsReadable(t *testing.T) {
	t.Parallel()
	// VerifyNoUser must cost a real verification: the dummy hash has to parse.
	if _, err := parseHash(dummyHash); err != nil {
		t.Fatalf("dummy hash: %v", err)
	}
	p, _ := parseHash(dummyHash)
	if got, want := p.memory, uint32(argonMemory); got != want {
		t.Fatalf("dummy memory = %d, want %d", got, want)
	}
	if ok, err := VerifyPassword(dummyHash, ""); err != nil || ok {
		t.Fatalf("VerifyPassword(dummy, \"\") = %v, %v", ok, err)
	}
}
