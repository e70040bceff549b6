package runner

import (
	"strings"
	"testing"
)

func TestCSVInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opt   InputOptions
		stdin string
		want  string
	}{
		{"quoted", InputOptions{CSV: ','}, "a,\"b,c\",d\n\"x \"\"y\"\"\",z\n", "a|b,c|d x \"y\"|z"},
		{"newline-in-quotes", InputOptions{CSV: ','}, "\"multi\nline\",2\nq,3\n", "multi\nline|2 q|3"},
		{"unterminated", InputOptions{CSV: ','}, "a,\"b\nc\n", "a|b\nc"},
		{"empty-line", InputOptions{CSV: ','}, "a\n\nb\n", "a  b"},
		{"stray-quote", InputOptions{CSV: ','}, "q\"uote,x\n", "q\"uote|x"},
		{"separator", InputOptions{CSV: ';'}, "a;\"b;c\"\n", "a|b;c"},
		{"trim", InputOptions{CSV: ',', TrimLeft: true, TrimRight: true}, " a , b \n", "a|b"},
		{"crlf", InputOptions{CSV: ','}, "a,b\r\nc,d\r\n", "a|b c|d"},
		{"values", InputOptions{CSV: ',', Sources: []Source{{Values: []string{"p,\"q,r\"", "x\ny,z"}}}}, "", "p|q,r x\ny|z"},
		{"header", InputOptions{CSV: ',', Header: HeaderLine}, "\"a,b\",c\n1,2\n", "1|2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opt.Stdin = strings.NewReader(tt.stdin)
			in, err := OpenInputs(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			if got := strings.Join(readAll(t, in), " "); got != tt.want {
				t.Errorf("records %q, want %q", got, tt.want)
			}
			if tt.opt.Header == HeaderLine && strings.Join(in.Names(), "|") != "a,b|c" {
				t.Errorf("names %q", in.Names())
			}
		})
	}
}
