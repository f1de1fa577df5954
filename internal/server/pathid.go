package server

import (
	"errors"

	"github.com/google/uuid"
)

// parsePathID reads a client-chosen id in the one form the API writes: 36
// characters, with dashes. uuid.Parse also takes "{...}" (without checking
// the braces), "urn:uuid:..." and 32 bare hex digits, and a raw path id is
// copied into Link headers: every other spelling names nothing.
func parsePathID(s string) (uuid.UUID, error) {
	if len(s) != 36 {
		return uuid.Nil, errNotCanonical
	}
	return uuid.Parse(s)
}

var errNotCanonical = errors.New("not a UUID in its 36-character form")
