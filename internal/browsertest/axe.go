package browsertest

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// Violation is one axe-core rule broken on the page.
type Violation struct {
	ID, Impact, Help string
	Nodes            []ViolationNode
}

// ViolationNode is one element that breaks a rule.
type ViolationNode struct {
	Target string
	// Within is true when the element lies inside the selector given to
	// Axe (markup that is not the page's own, such as Swagger UI's).
	Within bool
}

// Serious reports whether the violation's impact is serious or critical.
func (v Violation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// Axe runs axe-core on b's page when TENANTRY_TEST_AXE names axe.min.js
// (.ci/run installs it), and returns its violations; ok is false, with
// the reason logged, when it is not set. Each node says whether it lies
// within the elements that match within ("" for none).
func Axe(t testing.TB, b *Browser, within string) (vs []Violation, ok bool) {
	t.Helper()
	path := os.Getenv("TENANTRY_TEST_AXE")
	if path == "" {
		t.Log("TENANTRY_TEST_AXE not set: accessibility check skipped")
		return nil, false
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("TENANTRY_TEST_AXE: %v", err)
	}
	Eval[chromedp.Void](t, b, string(src))
	sel, _ := json.Marshal(within)
	raw := Eval[[]byte](t, b, `(function (within) { return axe.run(document).then(function (r) {
		return r.violations.map(function (v) {
			return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) {
				var el = document.querySelector(n.target[0]);
				return {target: n.target.join(" "), within: !!(within && el && el.closest(within))};
			})};
		});
	}); })(`+string(sel)+`)`, chromedp.EvalAwaitPromise)
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatalf("axe results: %v", err)
	}
	return vs, true
}
