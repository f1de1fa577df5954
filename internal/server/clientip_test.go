package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.1,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies: the peer", nil, "203.0.113.5:1234", nil, "203.0.113.5"},
		{"no proxies: the header is ignored", nil, "203.0.113.5:1234", []string{"1.2.3.4"}, "203.0.113.5"},
		{"untrusted peer: the header is ignored", proxies, "203.0.113.5:1234", []string{"1.2.3.4"}, "203.0.113.5"},
		{"trusted peer: the entry it added", proxies, "10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client-written entries on the left are ignored", proxies, "10.1.2.3:80", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"trusted hops are skipped", proxies, "10.1.2.3:80", []string{"6.6.6.6, 198.51.100.1, 192.0.2.1", "10.9.9.9"}, "198.51.100.1"},
		{"an entry with a port", proxies, "10.1.2.3:80", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		{"IPv6 entries", proxies, "[fd00::1]:80", []string{"[2001:db8::7]:9, fd00::2"}, "2001:db8::7"},
		{"IPv4-mapped peer", proxies, "[::ffff:10.0.0.1]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"malformed right-most entry: the trusted peer", proxies, "10.1.2.3:80", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3"},
		{"malformed entry behind a trusted hop: that hop", proxies, "10.1.2.3:80", []string{"garbage, 10.4.4.4"}, "10.4.4.4"},
		{"malformed left of the client: ignored", proxies, "10.1.2.3:80", []string{"garbage, 198.51.100.1"}, "198.51.100.1"},
		{"empty entry", proxies, "10.1.2.3:80", []string{" , "}, "10.1.2.3"},
		{"zone in an entry is malformed", proxies, "10.1.2.3:80", []string{"fe80::1%eth0"}, "10.1.2.3"},
		{"only trusted entries: the left-most of them", proxies, "10.1.2.3:80", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},
		{"no header from a trusted peer: the peer", proxies, "10.1.2.3:80", nil, "10.1.2.3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(r, c.trusted); got.String() != c.want {
				t.Fatalf("clientIP = %s, want %s", got, c.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	got, err := ParseTrustedProxies("10.1.2.3/8,::1, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "::1/128", "192.0.2.1/32"}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("%v, want %v", got, want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1/8/8"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestIPKey(t *testing.T) {
	t.Parallel()
	a, b := netip.MustParseAddr("2001:db8:1:2:aaaa::1"), netip.MustParseAddr("2001:db8:1:2:bbbb::9")
	if ipKey(a) != ipKey(b) {
		t.Fatalf("one /64, two keys: %s %s", ipKey(a), ipKey(b))
	}
	if got := ipKey(netip.MustParseAddr("192.0.2.1")); got != "192.0.2.1" {
		t.Fatal(got)
	}
}
