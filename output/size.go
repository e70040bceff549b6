package output

import "github.com/krun-dev/krun/runner"

// ParseSize parses a byte count such as "65536", "64K", "1.5M", "1G" or
// "2GiB" (see [runner.ParseSize]: one reading of sizes for every flag).
func ParseSize(s string) (int64, error) { return runner.ParseSize(s) }
