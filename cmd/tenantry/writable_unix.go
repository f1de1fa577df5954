//go:build unix

package main

import "syscall"

// writable reports whether this process may write to path (create files in
// it, for a directory), asking the kernel rather than trying and leaving a
// file behind.
func writable(path string) bool {
	const wOK = 0x2
	return syscall.Access(path, wOK) == nil
}
