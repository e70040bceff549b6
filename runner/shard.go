package runner

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is a --shard K/N value: run only the jobs whose sequence number is
// K modulo N, so that N machines split one job list without talking.
type Shard struct {
	K, N int64
}

// ParseShard parses "K/N" with 1 ≤ K ≤ N.
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	kv, err1 := strconv.ParseInt(k, 10, 64)
	nv, err2 := strconv.ParseInt(n, 10, 64)
	if !ok || err1 != nil || err2 != nil || nv < 1 || kv < 1 || kv > nv {
		return Shard{}, fmt.Errorf("invalid shard %q: want K/N with 1 <= K <= N, such as 2/4", s)
	}
	return Shard{K: kv, N: nv}, nil
}

// Skips reports whether the job with sequence number seq belongs to
// another shard.
func (s Shard) Skips(seq int64) bool { return (seq-s.K)%s.N != 0 }
