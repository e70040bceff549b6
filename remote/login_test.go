package remote

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseLogins(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want []Login
		name string // String() of the first
	}{
		{"h1", []Login{{Dest: "h1"}}, "h1"},
		{"4/alice@build1:2222", []Login{{Slots: 4, Dest: "alice@build1", Port: "2222"}}, "alice@build1:2222"},
		{":", []Login{{Dest: ":"}}, ":"},
		{"2/:", []Login{{Slots: 2, Dest: ":"}}, ":"},
		{"h1, 3/h2 ,:", []Login{{Dest: "h1"}, {Slots: 3, Dest: "h2"}, {Dest: ":"}}, "h1"},
		{"[::1]:22", []Login{{Dest: "::1", Port: "22"}}, "[::1]:22"},
		{"bob@[fe80::1]", []Login{{Dest: "bob@fe80::1"}}, "bob@fe80::1"},
		{"10.0.0.1", []Login{{Dest: "10.0.0.1"}}, "10.0.0.1"},
	}
	for _, c := range cases {
		got, err := ParseLogins(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseLogins(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if got[0].String() != c.name {
			t.Errorf("ParseLogins(%q)[0].String() = %q, want %q", c.in, got[0].String(), c.name)
		}
	}
	for _, bad := range []string{"", "h1,", "0/h1", "x/h1", "-oProxyCommand=id", "u@-h", "h 1", "h1;id", "h1$(id)", "h1`id`",
		"h1:0", "h1:65536", "h1:x", "[::1", "[::1]x", "u@", "h1|x", "h1\nh2", "'h1'", "h1*"} {
		if got, err := ParseLogins(bad); err == nil {
			t.Errorf("ParseLogins(%q) = %+v, want an error", bad, got)
		}
	}
}

func TestReadLoginFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := filepath.Join(dir, "hosts")
	os.WriteFile(f, []byte("# build hosts\n\n2/h1\n  h2,h3  \n# end\n:\n"), 0o644)
	got, err := ReadLoginFile(f)
	want := []Login{{Slots: 2, Dest: "h1"}, {Dest: "h2"}, {Dest: "h3"}, {Dest: ":"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ReadLoginFile = %+v, %v; want %+v", got, err, want)
	}
}
