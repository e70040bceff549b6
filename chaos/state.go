package chaos

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// StatePath is one --state path: Rel, relative to the directory krun
// chaos runs in, is where its copy goes under each run's root.
type StatePath struct {
	Rel string
}

// ResolveState checks the --state paths against dir, the current
// directory: each must exist and lie inside dir (or be dir), so that its
// copy can stand at the same relative place under a run's root, where the
// jobs run. A path that is a symbolic link is copied as what it leads to.
func ResolveState(dir string, paths []string) ([]StatePath, error) {
	var out []StatePath
	for _, p := range paths {
		if p == "" {
			return nil, errors.New("--state: the path is empty")
		}
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(dir, p)
		}
		rel, err := filepath.Rel(dir, filepath.Clean(abs))
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("--state %s: not inside the current directory %s (jobs run in a copy of the current directory holding the state: cd to a directory that holds it)", p, dir)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("--state: %w", err)
		}
		out = append(out, StatePath{Rel: rel})
	}
	// A path inside another is copied with it.
	slices.SortFunc(out, func(a, b StatePath) int { return strings.Compare(a.Rel, b.Rel) })
	var kept []StatePath
	for _, s := range out {
		if len(kept) > 0 && within(s.Rel, kept[len(kept)-1].Rel) {
			continue
		}
		kept = append(kept, s)
	}
	return kept, nil
}

// within reports whether the relative path p is base or lies under it.
func within(p, base string) bool {
	return base == "." || p == base || strings.HasPrefix(p, base+string(filepath.Separator))
}

// copyState copies the state paths from dir to root, at the same relative
// places, leaving out the directory skip (krun chaos's own, when it lies
// in the state; nil for none). It returns how many entries it left out
// because they are neither files, directories nor links (FIFOs, sockets,
// devices).
//
// A link is copied as a link, except a link to a regular file outside the
// state path it is in and the directory krun chaos runs in: the runs would
// write through it to the real file, and the comparison would see
// nothing, so each copy gets the file's content instead. ctx stops the
// copy.
func copyState(ctx context.Context, dir, root string, state []StatePath, skip fs.FileInfo) (skipped int, err error) {
	type dirMode struct {
		path string
		mode fs.FileMode
	}
	var dirs []dirMode
	for _, s := range state {
		src := filepath.Join(dir, s.Rel)
		dst := filepath.Join(root, s.Rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return skipped, err
		}
		// The state path itself is followed if it is a link.
		fi, err := os.Stat(src)
		if err != nil {
			return skipped, err
		}
		if fi.IsDir() {
			if src, err = filepath.EvalSymlinks(src); err != nil {
				return skipped, err
			}
		}
		if !fi.IsDir() {
			if err := copyFile(src, dst, fi.Mode()); err != nil {
				return skipped, err
			}
			continue
		}
		err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := context.Cause(ctx); err != nil {
				return err
			}
			rel, err := filepath.Rel(src, path)
			if err != nil {
				return err
			}
			to := filepath.Join(dst, rel)
			info, err := d.Info()
			if err != nil {
				return err
			}
			if d.IsDir() && skip != nil && os.SameFile(info, skip) {
				return fs.SkipDir
			}
			switch {
			case path == src || d.IsDir():
				if path == src {
					info = fi
				}
				if err := os.MkdirAll(to, 0o700); err != nil {
					return err
				}
				dirs = append(dirs, dirMode{to, info.Mode().Perm()})
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(path)
				if err != nil {
					return err
				}
				if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && !linkInside(path, target, src, dir) {
					// A link to a file outside the state: the runs would
					// change the real file through it, and nothing would
					// be compared. Each run gets a copy of the file.
					return copyFile(path, to, fi.Mode())
				}
				return os.Symlink(target, to)
			case d.Type().IsRegular():
				return copyFile(path, to, info.Mode())
			default:
				skipped++
			}
			return nil
		})
		if err != nil {
			return skipped, err
		}
	}
	// The directories get their modes last, deepest first, once they are
	// filled.
	for _, d := range slices.Backward(dirs) {
		if err := os.Chmod(d.path, d.mode); err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

// copyFile copies a regular file with its permissions.
func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm()|0o200)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && mode.Perm()&0o200 == 0 {
		err = os.Chmod(dst, mode.Perm())
	}
	return err
}

// linkInside reports whether a link at path to target leads inside one of
// the directories areas (lexically, after joining a relative target to
// the link's directory).
func linkInside(path, target string, areas ...string) bool {
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	target = filepath.Clean(target)
	for _, a := range areas {
		if rel, err := filepath.Rel(a, target); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// removeAll removes path even where a job took away the write
// permission of a directory in it.
func removeAll(path string) error {
	if err := os.RemoveAll(path); err == nil {
		return nil
	}
	filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(path)
}

// entryKind is what a path in a tree is.
type entryKind uint8

const (
	kindFile entryKind = iota + 1
	kindDir
	kindLink
	kindOther
)

func (k entryKind) String() string {
	switch k {
	case kindFile:
		return "a file"
	case kindDir:
		return "a directory"
	case kindLink:
		return "a symbolic link"
	}
	return "a special file"
}

// entry is one path of a tree: its kind, and the size and hash of a
// file's content or a link's target.
type entry struct {
	kind entryKind
	size int64
	sum  [32]byte
}

// tree indexes the files under a root by their relative path.
type tree map[string]entry

// indexTree walks root, leaving out the paths of exclude (relative).
func indexTree(root string, exclude map[string]bool) (tree, error) {
	t := tree{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		rel, rerr := filepath.Rel(root, path)
		if rerr != nil || rel == "." {
			return err
		}
		if exclude[rel] {
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err != nil {
			// A directory a job made unreadable: it counts as such.
			t[rel] = entry{kind: kindOther}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			t[rel] = entry{kind: kindDir}
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			t[rel] = entry{kind: kindLink, size: int64(len(target)), sum: sha256.Sum256([]byte(target))}
		case d.Type().IsRegular():
			f, err := os.Open(path)
			if err != nil {
				t[rel] = entry{kind: kindOther}
				return nil
			}
			h := sha256.New()
			n, err := io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			e := entry{kind: kindFile, size: n}
			h.Sum(e.sum[:0])
			t[rel] = e
		default:
			t[rel] = entry{kind: kindOther}
		}
		return nil
	})
	return t, err
}
