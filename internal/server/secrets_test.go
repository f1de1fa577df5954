package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

// secret stands for a password or a token sent in the wrong place. No part
// of it longer than a few characters may come back in an answer.
const secret = "Zq9xSecretVal7Kp"

// secretEcho returns the first piece of secret (six characters or more)
// found in b, or "".
func secretEcho(b []byte) string {
	const n = 6
	for i := 0; i+n <= len(secret); i++ {
		if w := secret[i : i+n]; strings.Contains(string(b), w) {
			return w
		}
	}
	return ""
}

// TestNoSecretEchoed sends a secret in every malformed way to every route
// that takes input, and asserts that no answer and no log line carries any
// of it back, and that no answer is a 5xx.
func TestNoSecretEchoed(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		tok := authztest.Bearer(h.Token(w.Alice))
		tasks, task, org, orgTask := alicePaths(w)
		form := authztest.Header("Content-Type", "application/x-www-form-urlencoded")
		s := secret

		// JSON bodies holding the secret, wrongly.
		bodies := []string{
			`{"password":"` + s + `"`,                           // cut short
			`{"password":"` + s + `"}x`,                         // trailing garbage
			`{"password":` + s + `}`,                            // not a string
			`{"password":"a","password":"` + s + `"}`,           // twice
			`{"PASSWORD":"` + s + `"}`,                          // another case
			`{"email":"` + s + `","password":"` + s + `"}`,      // not an email
			`{"email":"` + s + ` <a@b.co>","password":"x"}`,     // display name
			`{"email":"a@b.co (` + s + `)","password":"x"}`,     // comment
			`{"email":"a@b.co","password":["` + s + `"]}`,       // wrong type
			`{"email":"a@b.co","password":1` + s + `}`,          // bad number
			`{"email":"a@b.co","password":31` + "4" + `e99999}`, // number out of range
			`{"title":"` + s + `\u0000"}`,                       // control character
			`{"title":"a","assigned_user_id":"urn:uuid:` + s + `xxxxxxxxxxxxxxxxxxxxx"}`,
			`{"title":"a","assigned_user_id":"{` + s + `xxxxxxxxxxxxxxxxxxxxx}"}`,
			`{"title":"a","assigned_user_id":"` + s + `"}`,
			`{"title":"a","assigned_user_id":"` + s + strings.Repeat("x", 45-len(s)) + `"}`, // the urn: form's length
			`{"email":"` + s + `@example.com","role":"` + s + `"}`,
			`{"user_id":"` + s + `","role":"member"}`,
			`{"role":"` + s + `"}`,
			`{"name":"` + s + "\\u0007" + `"}`,
			`{"current_password":"wrong` + s + `","new_password":"` + s + `"}`,
			`{"current_password":"` + s + `","new_password":"x"}`,
			"{\"password\":\"" + s + "\xff\"}", // not UTF-8
			`{"password":"` + s + `\ud800"}`,   // lone surrogate
			`{"completed":"` + s + `"}`,
			`["` + s + `"]`,
			`"` + s + `"`,
			s,
		}
		routes := []struct{ method, path string }{
			{"POST", "/auth/register"}, {"POST", "/auth/login"}, {"POST", "/auth/token"},
			{"POST", "/auth/password"}, {"DELETE", "/auth/me"},
			{"POST", tasks}, {"PUT", task}, {"PATCH", task},
			{"POST", "/api/orgs"}, {"POST", org + "/members"}, {"PATCH", org + "/members/" + w.Mia.ID.String()},
			{"POST", org + "/tasks"}, {"PUT", orgTask}, {"PATCH", orgTask},
		}
		check := func(name string, res *authztest.Response) {
			t.Helper()
			if res.Status >= 500 {
				t.Errorf("%s: status %d: %.300s", name, res.Status, res.Body)
			}
			if res.Status < 300 {
				return // it did what was asked; a success may show what it stored
			}
			if e := secretEcho(res.Body); e != "" {
				t.Errorf("%s: status %d echoes %q: %.300s", name, res.Status, e, res.Body)
			}
			for k, vs := range res.Header {
				for _, v := range vs {
					if e := secretEcho([]byte(v)); e != "" {
						t.Errorf("%s: header %s echoes %q", name, k, e)
					}
				}
			}
		}
		for _, r := range routes {
			for _, b := range bodies {
				for _, ct := range []string{"application/json", "application/json;x=" + s, "application/x-www-form-urlencoded", s + "/json", ""} {
					name := r.method + " " + r.path + " " + ct + " " + b
					res := h.Do(r.method, r.path, authztest.Raw(b), tok, authztest.Header("Content-Type", ct))
					check(name, res)
				}
			}
		}
		// A field's name is named in an answer; a JSON body's keys are field
		// names, but not when it is read as a form.
		for _, b := range []string{`{"` + s + `":"x"}`, `{"description":{"` + s + `":1}}`} {
			for _, ct := range []string{"application/json", "application/x-www-form-urlencoded", ""} {
				check("token "+ct+" "+b, h.Do("POST", "/auth/token", authztest.Raw(b), authztest.Header("Content-Type", ct)))
			}
		}
		// Forms to /auth/token.
		for _, f := range []string{
			"username=a%40b.co&password=" + s + "&password=" + s,
			s + "." + s + "=1",
			url.QueryEscape(`{"password":"` + s + `"}`),
			"username=a%40b.co&password=x&grant_type=" + s,
			"username=a%40b.co&password=%zz" + s,
			"username=" + s + "&password=" + s,
			"username=" + url.QueryEscape(s+" <a@b.co>") + "&password=" + s,
			"username=a%40b.co%00" + s + "&password=" + s,
			"username=a%40b.co&password=" + s + "&" + s + "." + s + "=" + s,
		} {
			check("token form "+f, h.Do("POST", "/auth/token", authztest.Raw(f), form))
		}
		// Query strings, paths and headers.
		for _, q := range []string{"limit=" + s, "after=" + s, "completed=" + s, s + "=1", "after=urn:uuid:" + s + "xxxxxxxxxxxxxxxxxxxxx"} {
			check("list "+q, h.Do("GET", tasks+"?"+q, nil, tok))
			check("org list "+q, h.Do("GET", org+"/tasks?"+q, nil, tok))
			check("bulk delete "+q, h.Do("DELETE", tasks+"?"+q, nil, tok))
		}
		for _, p := range []string{"/api/" + s + "/tasks", tasks + "/" + s, "/api/orgs/" + s, org + "/tasks/" + s, org + "/members/" + s,
			"/api/{" + s + "xxxxxxxxxxxxxxxxxxxxx}/tasks", tasks + "/urn:uuid:" + s + "xxxxxxxxxxxxxxxxxxxxx", "/" + s} {
			check("path "+p, h.Do("GET", p, nil, tok))
		}
		for _, o := range []authztest.Opt{
			authztest.Bearer(s), authztest.Bearer(s + "." + s + "." + s), authztest.Header("Authorization", s),
			authztest.Cookie("tenantry_session", s), authztest.Header("Accept", s),
		} {
			check("header", h.Do("GET", "/auth/me", nil, o))
			check("header on a write", h.Do("POST", tasks, `{"title":"a"}`, o))
		}
		for _, line := range strings.Split(h.Logs.String(), "\n") {
			if e := secretEcho([]byte(line)); e != "" {
				t.Errorf("log line echoes %q: %.400s", e, line)
			}
		}
	})
}
