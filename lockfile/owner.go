package lockfile

import (
	"fmt"
	"io/fs"
	"syscall"
)

// checkOwner refuses fi, the file at path, unless it belongs to uid.
func checkOwner(what, path string, fi fs.FileInfo, uid int) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s %s: cannot tell its owner", what, path)
	}
	if int(st.Uid) != uid {
		return fmt.Errorf("%s %s belongs to uid %d, not to uid %d: refusing to use it", what, path, st.Uid, uid)
	}
	return nil
}
