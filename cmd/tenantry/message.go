package main

import "strings"

// message is err's text with each line once. pgx reports a failed connection
// attempt per fallback configuration: with the default sslmode=prefer it
// tries TLS, then plain text, to the same address, and a refused connection
// fails both the same way, so the same line would print twice.
func message(err error) string {
	lines := strings.Split(err.Error(), "\n")
	seen := make(map[string]bool, len(lines))
	out := lines[:0]
	for _, l := range lines {
		if seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
