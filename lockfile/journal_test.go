package lockfile

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeJournal leaves a journal as a killed writer would: a block started
// at start and recorded to end at end.
func writeJournal(t *testing.T, target string, start, end int64) {
	t.Helper()
	var rec [16]byte
	binary.LittleEndian.PutUint64(rec[:8], uint64(start))
	binary.LittleEndian.PutUint64(rec[8:], uint64(end))
	if err := os.WriteFile(journalPath(target), rec[:], 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestJournalRecovery: the next writer rolls back a block a killed writer
// left unfinished when only its bytes follow the block's start, leaves
// the file alone when another writer appended after it, and removes the
// journal either way.
func TestJournalRecovery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		content    string // the file, the torn block included
		start, end int64
		want, note string
	}{
		{"torn block rolled back", "whole\ntorn", 6, 20, "whole\nnext\n", "rolled back an unfinished block of 4 bytes at byte 6"},
		{"nothing written yet", "whole\n", 6, 20, "whole\nnext\n", ""},
		{"another writer appended after it", "whole\ntorn" + "flock(1) block\n", 6, 12, "whole\ntornflock(1) block\nnext\n", "followed by data another writer appended"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "log")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			writeJournal(t, path, tc.start, tc.end)
			a, err := OpenAppender(path, "")
			if err != nil {
				t.Fatal(err)
			}
			var notes []string
			a.Notify = func(m string) { notes = append(notes, m) }
			if _, err := a.Append(context.Background(), strings.NewReader("next\n")); err != nil {
				t.Fatal(err)
			}
			a.Close()
			got, _ := os.ReadFile(path)
			if string(got) != tc.want {
				t.Errorf("file %q, want %q", got, tc.want)
			}
			if tc.note == "" && len(notes) > 0 || tc.note != "" && (len(notes) != 1 || !strings.Contains(notes[0], tc.note)) {
				t.Errorf("notes %q, want one with %q", notes, tc.note)
			}
			if _, err := os.Stat(journalPath(path)); !os.IsNotExist(err) {
				t.Errorf("the journal is still there: %v", err)
			}
		})
	}
}
