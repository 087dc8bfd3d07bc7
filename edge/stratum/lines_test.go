package stratum

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func collect(t *testing.T, l *Lines, chunks ...string) ([]string, error) {
	t.Helper()
	var got []string
	for _, c := range chunks {
		err := l.Feed([]byte(c), func(line []byte) error {
			got = append(got, string(line))
			return nil
		})
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

const stream = "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\r\n\n{\"id\":2}\n{\"a\":\"é\"}\n"

var want = []string{`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2}`, `{"a":"é"}`}

func TestLinesByteByByteAndEverySplit(t *testing.T) {
	var bytes []string
	for i := range len(stream) {
		bytes = append(bytes, stream[i:i+1])
	}
	got, err := collect(t, NewLines(0), bytes...)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("byte by byte: %q %v", got, err)
	}
	for i := range len(stream) + 1 {
		for j := i; j <= len(stream); j++ {
			got, err := collect(t, NewLines(0), stream[:i], stream[i:j], stream[j:])
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("split at %d and %d: %q %v", i, j, got, err)
			}
		}
	}
}

func TestLinesLimit(t *testing.T) {
	long := strings.Repeat("x", 100)
	if _, err := collect(t, NewLines(64), long+"\n"); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("a complete long line: %v", err)
	}
	// A partial line is refused as soon as it is too long, before any newline.
	l := NewLines(64)
	if _, err := collect(t, l, long[:40], long[:40]); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("a partial long line: %v", err)
	}
	if l.Buffered() != 0 {
		t.Error("the refused line is still held")
	}
	// A line exactly at the limit passes.
	got, err := collect(t, NewLines(64), strings.Repeat("y", 64)+"\n")
	if err != nil || len(got) != 1 {
		t.Errorf("a line at the limit: %v", err)
	}
	// The default limit is 8 KiB.
	if _, err := collect(t, NewLines(0), strings.Repeat("z", MaxLine+1)); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("default limit: %v", err)
	}
}

func TestLinesGiveBackBorrowedMemory(t *testing.T) {
	l := NewLines(0)
	collect(t, l, strings.Repeat("a", 4000), "\n")
	if cap(l.partial) != 0 {
		t.Errorf("a long partial line's buffer is kept: cap %d", cap(l.partial))
	}
}

func TestLinesStopOnError(t *testing.T) {
	l := NewLines(0)
	calls := 0
	err := l.Feed([]byte("a\nb\nc\n"), func([]byte) error { calls++; return errors.New("stop") })
	if err == nil || calls != 1 {
		t.Errorf("error did not stop the feed: %d calls", calls)
	}
}
