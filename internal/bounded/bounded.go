// Package bounded keeps the in-memory caches of the stores and of
// authentication at a fixed size.
//
// The caches are maps under their owner's lock. When one is full, MakeRoom
// frees a tenth of it at once, so the sweep runs once per many inserts and
// costs nothing per lookup: no recency list to update on every hit. What goes
// first is what the owner calls stale (an expired entry), then arbitrary
// entries, in Go's randomized map order. For caches whose misses cost one
// small query, that is enough; none of them holds anything that is not also
// in the database.
package bounded

// MakeRoom makes room for one more entry in m, a cache of at most size
// entries, if it is full: it deletes the entries stale reports (stale may
// be nil), then arbitrary ones, until at most size - size/10 remain (size -
// 1 for a size under 10). del deletes one key, for a cache that indexes its
// entries elsewhere too; nil means delete(m, k). The caller holds the
// cache's lock.
func MakeRoom[K comparable, V any](m map[K]V, size int, stale func(V) bool, del func(K)) {
	if len(m) < size {
		return
	}
	if del == nil {
		del = func(k K) { delete(m, k) }
	}
	if stale != nil {
		for k, v := range m {
			if stale(v) {
				del(k)
			}
		}
	}
	keep := size - max(1, size/10)
	for k := range m {
		if len(m) <= keep {
			break
		}
		del(k)
	}
}
