package bounded

import "testing"

func TestMakeRoom(t *testing.T) {
	fill := func(n int) map[int]int {
		m := make(map[int]int, n)
		for i := range n {
			m[i] = i
		}
		return m
	}
	t.Run("not full: nothing goes", func(t *testing.T) {
		m := fill(99)
		MakeRoom(m, 100, nil, nil)
		if len(m) != 99 {
			t.Fatalf("len %d, want 99", len(m))
		}
	})
	t.Run("full: a tenth goes", func(t *testing.T) {
		m := fill(100)
		MakeRoom(m, 100, nil, nil)
		if len(m) != 90 {
			t.Fatalf("len %d, want 90", len(m))
		}
	})
	t.Run("over full (a smaller size than before): down to nine tenths", func(t *testing.T) {
		m := fill(250)
		MakeRoom(m, 100, nil, nil)
		if len(m) != 90 {
			t.Fatalf("len %d, want 90", len(m))
		}
	})
	t.Run("small: one goes", func(t *testing.T) {
		m := fill(5)
		MakeRoom(m, 5, nil, nil)
		if len(m) != 4 {
			t.Fatalf("len %d, want 4", len(m))
		}
	})
	t.Run("stale first, all of them", func(t *testing.T) {
		m := fill(100)
		odd := func(v int) bool { return v%2 == 1 }
		MakeRoom(m, 100, odd, nil)
		if len(m) != 50 {
			t.Fatalf("len %d, want 50: every stale entry goes, even past a tenth", len(m))
		}
		for k := range m {
			if odd(k) {
				t.Fatalf("stale %d kept", k)
			}
		}
	})
	t.Run("few stale: then arbitrary ones", func(t *testing.T) {
		m := fill(100)
		MakeRoom(m, 100, func(v int) bool { return v < 3 }, nil)
		if len(m) != 90 {
			t.Fatalf("len %d, want 90", len(m))
		}
		for k := range 3 {
			if _, ok := m[k]; ok {
				t.Fatalf("stale %d kept", k)
			}
		}
	})
	t.Run("del is used for every deletion", func(t *testing.T) {
		m := fill(20)
		var deleted []int
		MakeRoom(m, 20, func(v int) bool { return v == 7 }, func(k int) { deleted = append(deleted, k); delete(m, k) })
		if len(m) != 18 || len(deleted) != 2 || deleted[0] != 7 {
			t.Fatalf("len %d, deleted %v: want 18 left, 7 first of two", len(m), deleted)
		}
	})
}
